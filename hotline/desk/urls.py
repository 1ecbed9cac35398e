"""URLs of the agent workspace (``desk:``) and the customer portal (``portal:``)."""

from django.urls import path

from hotline.desk.views import intake, portal, queue, ticket, workspace

app_name = "desk"
urlpatterns = [
    path("", workspace.home, name="home"),
    path("nav/queues/", workspace.nav_queues, name="nav_queues"),
    path("search/", workspace.search, name="search"),
    path("search/suggest/", workspace.search_suggest, name="search_suggest"),
    path("team/", workspace.team, name="team"),
    path("team/reassign/", workspace.reassign, name="reassign"),
    path("new/", intake.new_ticket, name="new_ticket"),
    path("new/lookup/", intake.lookup, name="lookup"),
    path("new/fields/", intake.custom_fields, name="custom_fields"),
    path("new/caller/<int:contact_id>/", intake.caller, name="caller"),
    path("new/caller/", intake.create_caller, name="create_caller"),
    path("tickets/", queue.tickets, name="tickets"),
    path("tickets/bulk/", queue.bulk, name="bulk"),
    path("tickets/filters/", queue.save_filter, name="save_filter"),
    path("tickets/filters/<int:filter_id>/delete/", queue.delete_filter, name="delete_filter"),
    path("files/<int:attachment_id>/", ticket.attachment, name="attachment"),
    path("t/<str:ref>/", ticket.ticket_detail, name="ticket"),
    path("t/<str:ref>/dialogs/", ticket.dialogs, name="ticket_dialogs"),
    path("t/<str:ref>/timeline/", ticket.timeline, name="timeline"),
    path("t/<str:ref>/reply/", ticket.reply, name="reply"),
    path("t/<str:ref>/note/", ticket.note, name="note"),
    path("t/<str:ref>/status/", ticket.change_status, name="status"),
    path("t/<str:ref>/resolve/", ticket.resolve, name="resolve"),
    path("t/<str:ref>/priority/", ticket.change_priority, name="priority"),
    path("t/<str:ref>/category/", ticket.change_category, name="category"),
    path("t/<str:ref>/assign/", ticket.assign, name="assign"),
    path("t/<str:ref>/fields/", ticket.custom_fields, name="custom_fields"),
    path("t/<str:ref>/take/", ticket.take, name="take"),
    path("t/<str:ref>/escalate/", ticket.escalate, name="escalate"),
    path("t/<str:ref>/transfer/", ticket.transfer, name="transfer"),
    path("t/<str:ref>/merge/", ticket.merge, name="merge"),
    path("t/<str:ref>/split/", ticket.split, name="split"),
    path("t/<str:ref>/link/", ticket.link, name="link"),
    path("t/<str:ref>/unlink/<int:link_id>/", ticket.unlink, name="unlink"),
]

portal_patterns = [
    path("", portal.home, name="home"),
    path("new/", portal.new_request, name="new"),
    path("signup/", portal.signup, name="signup"),
    path("r/<str:ref>/", portal.detail, name="detail"),
    path("r/<str:ref>/reply/", portal.reply, name="reply"),
    path("r/<str:ref>/rate/", portal.rate, name="rate"),
    path("files/<int:attachment_id>/", ticket.attachment, name="attachment"),
]
