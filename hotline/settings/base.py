"""Settings for every mode, read from the environment (DESIGN.md "Settings and modes").

Embedded mode (no ``DATABASE_URL``) keeps everything in the data dir on SQLite; production
points ``DATABASE_URL`` at PostgreSQL and sets the secret key and allowed hosts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

# Lets generic admin/queryset classes be subscripted at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("HOTLINE_DATA_DIR", BASE_DIR / "var"))
DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The embedded default must start with no configuration; production refuses to start without a key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "embedded-insecure-key-set-DJANGO_SECRET_KEY-in-production" if DEBUG or env_bool("HOTLINE_EMBEDDED", True) else ""
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "channels",
    "hotline.core",
    "hotline.web",
    "hotline.customers",
    "hotline.desk",
    "hotline.sla",
    "hotline.knowledge",
    "hotline.intake",
    "hotline.telephony",
    "hotline.notify",
    "hotline.campaigns",
    "hotline.workforce",
    "hotline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Text PostgreSQL cannot store is refused with a clear error, not a database failure.
    "hotline.core.input_guard.RejectNulCharactersMiddleware",
    # After authentication: the signed-in user's language wins over the cookie; never Accept-Language.
    "hotline.web.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hotline.core.middleware.UserTimezoneMiddleware",
    "hotline.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"
ASGI_APPLICATION = "hotline.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
        )
        if config["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", default=True):
            # Under ASGI each request's sync code runs in a thread of its own, so per-thread persistent connections
            # are never reused: they pile up idle until PostgreSQL refuses clients. One pool per process instead.
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"] = {
                **config.get("OPTIONS", {}),
                "pool": {
                    "min_size": 1,
                    "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
                    "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
                },
            }
        if config["ENGINE"] == "django.db.backends.postgresql" and not env_bool("DB_JIT", default=False):
            # PostgreSQL compiles a query to machine code once its estimated cost passes jit_above_cost. At a
            # million tickets the queue page's per-status counts pass it and spend ~90 ms compiling for a 40 ms
            # scan, on every request; the short queries of a web app never win that back.
            options = dict(config.get("OPTIONS", {}))
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()
            config["OPTIONS"] = options
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "hotline.sqlite3"),
        "OPTIONS": {
            # WAL lets the web process read while a job writes; IMMEDIATE avoids lock-upgrade deadlocks.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
# The queue's covering index (INCLUDE columns) is a PostgreSQL speed-up; SQLite builds it as a plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
FORM_RENDERER = "hotline.web.forms.FormRenderer"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "hotline" / "locale"]
TIME_ZONE = os.environ.get("HOTLINE_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("HOTLINE_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and env_bool("HOTLINE_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# One module per integration. Mail goes through MAILERS (Django 6.1): EMAIL_BACKEND & co. must not be set beside it.
from hotline.settings.celery import *  # noqa: E402,F403
from hotline.settings.celery import HOTLINE_EMBEDDED_JOBS  # noqa: E402  (used below)
from hotline.settings.channels import *  # noqa: E402,F403
from hotline.settings.intake import *  # noqa: E402,F403
from hotline.settings.mail import *  # noqa: E402,F403
from hotline.settings.telephony import *  # noqa: E402,F403

# Hotline's own settings.
HOTLINE_TICKET_PREFIX = os.environ.get("HOTLINE_TICKET_PREFIX", "HL")
HOTLINE_DEFAULT_PHONE_REGION = os.environ.get("HOTLINE_DEFAULT_PHONE_REGION", "RU")
HOTLINE_ATTACHMENT_MAX_BYTES = int(os.environ.get("HOTLINE_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
HOTLINE_ATTACHMENT_BLOCKED_EXTENSIONS = env_list(
    "HOTLINE_ATTACHMENT_BLOCKED_EXTENSIONS", ".exe,.bat,.cmd,.com,.scr,.js,.vbs,.msi,.ps1,.jar"
)
HOTLINE_AUTO_CLOSE_DAYS = int(os.environ.get("HOTLINE_AUTO_CLOSE_DAYS", "7"))
# Embedded mode delivers outbox events in-process right after commit; production leaves it to workers.
HOTLINE_OUTBOX_INLINE = env_bool("HOTLINE_OUTBOX_INLINE", default="DATABASE_URL" not in os.environ)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOTLINE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # In embedded mode the periodic jobs run inside the web process every few seconds: a line per job run
        # would drown its log. Failures still log (WARNING and up). A Celery worker keeps its own per-task lines.
        **({"celery.app.trace": {"level": "WARNING"}} if HOTLINE_EMBEDDED_JOBS else {}),
    },
}
