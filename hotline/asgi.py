"""The ASGI entry point: Django for HTTP, Channels for the browsers' live-update WebSocket."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings.base")
# Django must be set up before anything imports models (the consumer does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from hotline.celery import with_embedded_jobs  # noqa: E402
from hotline.web.live import LiveConsumer  # noqa: E402

websocket_app = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter([path("ws/live/", LiveConsumer.as_asgi())])))

# Embedded mode (no broker): the server's lifespan startup also starts the periodic jobs thread.
application = with_embedded_jobs(ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_app}))
