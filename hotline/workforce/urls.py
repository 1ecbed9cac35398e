"""URLs of workforce (``workforce:``)."""

from django.urls import path

from hotline.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.my, name="my"),
    path("state/", views.set_state, name="state"),
    path("swaps/request/", views.swap_request, name="swap_request"),
    path("swaps/<int:swap_id>/cancel/", views.swap_cancel, name="swap_cancel"),
    path("swaps/", views.swaps, name="swaps"),
    path("swaps/<int:swap_id>/decide/", views.swap_decide, name="swap_decide"),
    path("roster/", views.roster_page, name="roster"),
    path("roster/<int:team_id>/shifts/", views.shift_add, name="shift_add"),
    path("roster/<int:team_id>/fill/", views.shift_fill, name="shift_fill"),
    path("shifts/<int:shift_id>/delete/", views.shift_delete, name="shift_delete"),
    path("agents/", views.agents, name="agents"),
    path("staffing/", views.staffing, name="staffing"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_edit, name="team"),
]
