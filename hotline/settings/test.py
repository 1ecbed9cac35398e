"""Tests: fast hashing, in-memory files, PostgreSQL when HOTLINE_TEST_DATABASE_URL is set."""

import os
import tempfile

os.environ.setdefault("HOTLINE_DATA_DIR", tempfile.mkdtemp(prefix="hotline-test-"))
_test_db = os.environ.get("HOTLINE_TEST_DATABASE_URL")
if _test_db:
    os.environ["DATABASE_URL"] = _test_db
else:
    os.environ.pop("DATABASE_URL", None)

from hotline.settings.base import *  # noqa: E402,F403
from hotline.settings.base import DATABASES, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
HOTLINE_OUTBOX_INLINE = False
if not _test_db:
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
