"""``hotline mail parse FILE``: what the e-mail parser gets from one raw message, printed as JSON.

``FILE`` is a raw RFC 822 message (``.eml``, ``.box``, a Maildir file) or ``-`` for standard input. The JSON has
``from_email``, ``from_display_name``, ``subject``, ``text``, ``html`` (sanitised), ``attachments``
(``filename``, ``content_type``, ``size``, ``content_id``, ``inline``), ``message_id``, ``in_reply_to``,
``references``, ``auto_submitted`` (auto-replies, out-of-office, bounces) and, besides, ``to``, ``cc``,
``reply_to``, ``date``, ``bounce``, ``failed_recipients``, ``warnings``. A message that cannot be parsed still
prints a result (``"parsed": false`` and a warning); only a file that cannot be read is an error (exit code 2).

Example::

    hotline mail parse message.eml
    cat message.eml | hotline mail parse -
"""

from __future__ import annotations

import io
import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from hotline.intake.mail import parse_message

EXIT_BAD_INPUT = 2
# A message larger than this is not e-mail a person sent; refuse it rather than fill the memory.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class Command(BaseCommand):
    help = "Разбор писем: что парсер получает из исходного письма."
    # Pure parsing: no database or models are needed, and it must work on a half-configured install.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        parse = actions.add_parser(
            "parse",
            help=gettext("разобрать одно письмо и напечатать результат в JSON"),
            description=gettext(
                "Печатает JSON: from_email, from_display_name, subject, text, html, attachments, message_id, "
                "in_reply_to, references, auto_submitted, to, cc, date, warnings."
            ),
        )
        parse.add_argument("file", metavar="FILE", help=gettext("файл с исходным письмом или «-» для stdin"))
        parse.add_argument("--compact", action="store_true", help=gettext("JSON одной строкой"))

    def handle(self, *args: Any, **options: Any) -> None:
        raw = _read(options["file"])
        parsed = parse_message(raw)
        text = json.dumps(parsed.as_dict(), ensure_ascii=False, indent=None if options["compact"] else 2)
        # The JSON is UTF-8 whatever the locale says (cron and containers often run with LANG=C).
        if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower().replace("-", "") != "utf8":
            sys.stdout.reconfigure(encoding="utf-8")
        self.stdout.write(text)


def _read(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
    else:
        path = Path(name)
        try:
            if path.is_dir():
                raise CommandError(
                    gettext("«%(name)s» — это каталог, а не файл письма") % {"name": name}, returncode=EXIT_BAD_INPUT
                )
            with path.open("rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
        except FileNotFoundError as exc:
            raise CommandError(
                gettext("Файл «%(name)s» не найден") % {"name": name}, returncode=EXIT_BAD_INPUT
            ) from exc
        except OSError as exc:
            raise CommandError(
                gettext("Не удалось прочитать «%(name)s»: %(error)s") % {"name": name, "error": exc.strerror or exc},
                returncode=EXIT_BAD_INPUT,
            ) from exc
    if len(data) > MAX_MESSAGE_BYTES:
        raise CommandError(
            gettext("Письмо больше %(limit)d МБ — это не похоже на письмо") % {"limit": MAX_MESSAGE_BYTES // 2**20},
            returncode=EXIT_BAD_INPUT,
        )
    return data
