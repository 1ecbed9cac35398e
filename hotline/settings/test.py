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
    # A file, not SQLite's shared-cache memory database: the browser tests' server threads write beside the
    # test's own connection, and shared cache answers a concurrent writer "table is locked" at once instead of
    # waiting out the busy timeout, which failed requests at random. WAL and the timeout work as in production;
    # durability does not matter for a throwaway database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["HOTLINE_DATA_DIR"], "test.sqlite3")}
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
