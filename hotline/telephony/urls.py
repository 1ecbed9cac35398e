"""URLs of telephony (``telephony:``): PBX webhooks, the call log, callbacks, the screen-pop, call scripts."""

from django.urls import path

from hotline.telephony.views import hooks

app_name = "telephony"
urlpatterns = [
    path("hooks/<slug:slug>/", hooks.webhook, name="webhook"),
    path("hooks/<slug:slug>/<path:subpath>", hooks.webhook, name="webhook_path"),
]
