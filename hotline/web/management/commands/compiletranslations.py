"""Compile the .po catalogs in LOCALE_PATHS to .mo without GNU gettext (pure Python, polib).

The compiled .mo files are committed, so a fresh machine needs neither gettext nor this command;
``--check`` (and the web tests) fail when a .mo no longer matches its .po.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogs() -> list[Path]:
    return sorted(p for root in settings.LOCALE_PATHS for p in Path(root).glob("*/LC_MESSAGES/*.po"))


def entries(catalog: Any) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for e in catalog:
        if e.obsolete or "fuzzy" in e.flags:
            continue
        if e.msgid_plural:
            forms = tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural))
            if any(forms):
                out[(e.msgctxt or "", e.msgid)] = forms
        elif e.msgstr:
            out[(e.msgctxt or "", e.msgid)] = e.msgstr
    return out


def is_current(po_path: Path) -> bool:
    import polib

    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return False
    return entries(polib.pofile(str(po_path))) == entries(polib.mofile(str(mo_path)))


class Command(BaseCommand):
    help = "Compile .po translations to .mo with polib (no GNU gettext needed); --check only verifies."
    # Catalogs are plain files: compiling them must work even while the project itself is broken.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if any .mo is missing or stale")
        parser.add_argument(
            "--drop-fuzzy",
            action="store_true",
            help="empty the guesses msgmerge marks fuzzy, so they show as untranslated instead of wrong",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            import polib
        except ImportError as exc:  # polib is a dev dependency: production uses the committed .mo files
            raise CommandError("polib is not installed: run ./dev setup (dev dependencies)") from exc
        stale = []
        for po_path in catalogs():
            if options["drop_fuzzy"]:
                catalog = polib.pofile(str(po_path))
                for entry in catalog.fuzzy_entries():
                    entry.flags.remove("fuzzy")
                    entry.previous_msgid = entry.previous_msgid_plural = None
                    entry.msgstr = ""
                    entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
                catalog.save()
            if options["check"]:
                if not is_current(po_path):
                    stale.append(str(po_path))
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {po_path.with_suffix('.mo')}")
        if stale:
            raise CommandError("stale or missing .mo (run `hotline compiletranslations`): " + ", ".join(stale))
