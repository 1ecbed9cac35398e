"""URLs of the agent's knowledge base and search (``knowledge:``) and the portal's (``kb:``)."""

from django.urls import path

from hotline.knowledge.views import editor, kb, portal, responses, search

app_name = "knowledge"
urlpatterns = [
    path("", kb.home, name="home"),
    path("sections/new/", kb.create_category, name="create_category"),
    path("articles/new/", kb.new_article, name="new_article"),
    path("articles/<int:article_id>/", kb.article, name="article"),
    path("articles/<int:article_id>/edit/", kb.edit_article, name="edit_article"),
    path("articles/<int:article_id>/versions/", kb.versions, name="versions"),
    path("articles/<int:article_id>/versions/<int:number>/restore/", kb.restore, name="restore"),
    path("articles/<int:article_id>/publish/", kb.publish, name="publish"),
    path("articles/<int:article_id>/archive/", kb.archive, name="archive"),
    path("articles/<int:article_id>/delete/", kb.delete, name="delete"),
    path("articles/<int:article_id>/files/", kb.upload, name="upload"),
    path("articles/<int:article_id>/files/<int:file_id>/delete/", kb.remove_file, name="remove_file"),
    path("articles/<int:article_id>/translation/", kb.translation, name="translation"),
    path("articles/<int:article_id>/related/", kb.related, name="related"),
    path("files/<int:file_id>/", kb.download, name="file"),
    path("stats/", kb.stats, name="stats"),
    path("search/", search.search_page, name="search"),
    path("search/suggest/", search.search_suggest, name="search_suggest"),
    path("intake/suggest/", search.intake_suggest, name="intake_suggest"),
    path("templates/", responses.index, name="responses"),
    path("templates/responses/new/", responses.new_response, name="new_response"),
    path("templates/responses/<int:response_id>/", responses.edit_response, name="edit_response"),
    path("templates/responses/<int:response_id>/delete/", responses.delete_response, name="delete_response"),
    path("templates/macros/new/", responses.new_macro, name="new_macro"),
    path("templates/macros/<int:macro_id>/", responses.edit_macro, name="edit_macro"),
    path("templates/macros/<int:macro_id>/delete/", responses.delete_macro, name="delete_macro"),
    path("t/<str:ref>/tools/", editor.tools, name="ticket_tools"),
    path("t/<str:ref>/canned/", editor.canned_list, name="canned_list"),
    path("t/<str:ref>/canned/<int:response_id>/", editor.canned_render, name="canned_render"),
    path("t/<str:ref>/macros/<int:macro_id>/", editor.apply_macro, name="apply_macro"),
    path("t/<str:ref>/articles/", editor.article_picker, name="article_picker"),
    path("t/<str:ref>/articles/link/", editor.link_article, name="link_article"),
    path("t/<str:ref>/articles/<int:article_id>/unlink/", editor.unlink_article, name="unlink_article"),
]

# Mounted by hotline.urls at /portal/kb/ under the ``kb`` namespace: guests and customers.
portal_patterns = [
    path("", portal.home, name="home"),
    path("search/", search.portal_search, name="search"),
    path("suggest/", search.portal_suggest, name="suggest"),
    path("<int:article_id>/", portal.article, name="article"),
    path("<int:article_id>/feedback/", portal.feedback, name="feedback"),
    path("files/<int:file_id>/", kb.download, name="file"),
]
