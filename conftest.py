"""Suite-wide fixtures. App fixtures live in each app's tests/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


def pytest_report_header() -> str:
    db = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    return f"hotline database: {'PostgreSQL ' + db if db else 'SQLite'}"


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
