"""The interface is Russian by default and completely English on request; catalogs are current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from hotline.web.management.commands.compiletranslations import catalogs, is_current

LOCALE = Path(settings.LOCALE_PATHS[0])
EN = LOCALE / "en" / "LC_MESSAGES" / "django.po"
# makemessages against a copy of the catalogs, so the test never rewrites the real ones.
MAKEMESSAGES = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "hotline.settings.test"
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.LOCALE_PATHS = [sys.argv[1]]
call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0,
             ignore_patterns=[".venv", "node_modules", ".tools", "tests", "var", "bench", "test-artifacts"])
"""
# The files of the web UI (the shell, the desk and contact screens, the portal).
UI_PATHS = (
    "hotline/web/", "hotline/desk/views/", "hotline/desk/templates/", "hotline/desk/forms.py",
    "hotline/customers/views.py", "hotline/customers/forms.py", "hotline/customers/templates/",
    "hotline/customers/accounts.py",
)  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%\(\w+\)\.\d+f|\{[A-Za-z_][A-Za-z0-9_.]*(?::[^}]*)?\}")


def test_every_catalog_has_a_current_mo() -> None:
    assert catalogs(), "no .po catalogs found"
    stale = [str(p) for p in catalogs() if not is_current(p)]
    assert not stale, f"run `hotline compiletranslations` and commit: {stale}"


def test_english_is_complete_and_keeps_placeholders() -> None:
    po = polib.pofile(str(EN))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()][:10]
    assert not po.fuzzy_entries()
    for entry in po:
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(target)), entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_catalog_covers_every_string_in_the_code(tmp_path: Path) -> None:
    """New UI strings must reach the English catalog: `./dev translations` updates it."""
    # makemessages writes into any locale/ directory it meets in the tree, so it runs on a copy of
    # the sources without one, against a copy of the catalogs.
    work = tmp_path / "locale"
    shutil.copytree(LOCALE, work)
    root = tmp_path / "src"
    shutil.copytree(
        Path(settings.BASE_DIR) / "hotline",
        root / "hotline",
        ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "migrations"),
    )
    subprocess.run(
        [sys.executable, "-c", MAKEMESSAGES, str(work)], cwd=root, check=True, capture_output=True, timeout=300
    )
    fresh = polib.pofile(str(work / "en" / "LC_MESSAGES" / "django.po"))
    missing = [e for e in fresh if not e.obsolete and not (e.msgstr or any(e.msgstr_plural.values()))]
    # The shell and the screens must be complete; strings an app adds elsewhere are reported, not
    # fatal, so a late string never blocks a release — `./dev translations` lists them to fill in.
    ui = [e.msgid for e in missing if any(path.startswith(UI_PATHS) for path, _line in e.occurrences)]
    assert not ui, f"{len(ui)} UI strings lack an English translation, e.g. {ui[:5]}"
    if missing:
        warnings.warn(
            f"{len(missing)} strings lack an English translation (run ./dev translations), "
            f"e.g. {[e.msgid for e in missing[:3]]}",
            UserWarning,
            stacklevel=1,
        )


def test_russian_plurals_have_three_forms() -> None:
    with translation.override("ru"):
        assert translation.ngettext("Изменена %(n)d заявка", "Изменено заявок: %(n)d", 1) % {"n": 1} == (
            "Изменена 1 заявка"
        )
        assert translation.ngettext("Изменена %(n)d заявка", "Изменено заявок: %(n)d", 3) % {"n": 3} == (
            "Изменены 3 заявки"
        )
        assert translation.ngettext("Изменена %(n)d заявка", "Изменено заявок: %(n)d", 11) % {"n": 11} == (
            "Изменено 11 заявок"
        )


def test_english_catalog_is_used() -> None:
    with translation.override("en"):
        assert translation.gettext("Новое обращение") == "New request"
