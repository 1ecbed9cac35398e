"""URLs of the notify app (``notify:``), mounted at ``/notifications/``."""

from django.urls import path

from hotline.notify import views

app_name = "notify"
urlpatterns = [
    path("bell/", views.bell, name="bell"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preference_page, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("ticket/<str:ref>/mail/", views.ticket_mail, name="ticket_mail"),
    path("mail/<int:pk>/retry/", views.retry_mail, name="retry_mail"),
]
