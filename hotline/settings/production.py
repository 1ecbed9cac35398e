"""Production: PostgreSQL, a real secret key, HTTPS behind a proxy. ``check --deploy`` must be clean."""

import os

os.environ.setdefault("HOTLINE_EMBEDDED", "0")
os.environ.setdefault("HOTLINE_HTTPS", "1")

from hotline.settings.base import *  # noqa: F403
from hotline.settings.base import SECRET_KEY

if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
