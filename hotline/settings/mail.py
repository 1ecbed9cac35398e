"""Outgoing mail: Django's ``MAILERS`` (the 6.1 replacement of ``EMAIL_BACKEND``) built from the environment.

``EMAIL_HOST`` set → SMTP (``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``
for STARTTLS, ``EMAIL_USE_SSL`` for implicit TLS, ``EMAIL_TIMEOUT`` in seconds). Unset → the embedded
default prints mail to the console. ``EMAIL_BACKEND`` (an environment variable, not a Django setting)
may name another backend class, e.g. ``django.core.mail.backends.filebased.EmailBackend`` with
``EMAIL_FILE_PATH``. Notifications go out through the ``HOTLINE_NOTIFY_MAILER`` alias.

The old ``EMAIL_*`` Django settings must not be defined next to ``MAILERS`` (Django refuses both).
"""

from __future__ import annotations

import os
from typing import Any


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _mailer() -> dict[str, Any]:
    host = os.environ.get("EMAIL_HOST", "").strip()
    backend = os.environ.get("EMAIL_BACKEND", "").strip()
    if not backend:
        backend = (
            "django.core.mail.backends.smtp.EmailBackend" if host else "django.core.mail.backends.console.EmailBackend"
        )
    options: dict[str, Any] = {}
    if backend.endswith("smtp.EmailBackend"):
        use_ssl = _flag("EMAIL_USE_SSL")
        options = {
            "host": host or "localhost",
            "port": int(os.environ.get("EMAIL_PORT") or (465 if use_ssl else 25)),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": _flag("EMAIL_USE_TLS"),
            "use_ssl": use_ssl,
            # A hung server must not hold a sender forever; the delivery is retried instead.
            "timeout": float(os.environ.get("EMAIL_TIMEOUT") or 30),
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": os.environ.get("EMAIL_FILE_PATH", "mail")}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS: dict[str, dict[str, Any]] = {"default": _mailer()}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hotline@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
HOTLINE_NOTIFY_MAILER = "default"
# How often the periodic sweep sends due mail and webhooks (retries, anything a lost task left), in seconds.
HOTLINE_NOTIFY_SEND_SECONDS = int(os.environ.get("HOTLINE_NOTIFY_SEND_SECONDS", "30"))
# A failing delivery is retried this many times (backoff 1 min doubling to 6 h: about a day), then waits for a person.
HOTLINE_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("HOTLINE_NOTIFY_MAX_ATTEMPTS", "12"))
# Links in mail (rating, unsubscribe, the ticket) need the address people reach the product at.
HOTLINE_PUBLIC_URL = os.environ.get("HOTLINE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
