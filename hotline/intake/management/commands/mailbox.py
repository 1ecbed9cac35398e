"""``hotline mailbox``: take e-mail in — poll IMAP mailboxes, run the inbound SMTP/LMTP server, import a Maildir.

Examples::

    hotline mailbox poll                         # every active IMAP mailbox once
    hotline mailbox poll --mailbox support@example.ru --loop   # keep polling (IDLE where the server has it)
    hotline mailbox serve-smtp --port 2525       # accept mail for the SMTP mailboxes (an MX or a forward points here)
    hotline mailbox serve-smtp --lmtp --port 2424
    hotline mailbox import-maildir /var/mail/support/Maildir --mailbox support@example.ru
    hotline mailbox reencrypt                    # after rotating HOTLINE_SECRETS_KEY: passwords under the new key

Each message is committed before it is acknowledged (seen/moved on the IMAP server, 250 to the SMTP client, moved
to ``cur/`` in the Maildir), so a process killed at any point loses nothing and takes nothing twice when run again.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from hotline.core.errors import DomainError
from hotline.intake.imap import poll_active_mailboxes, poll_forever
from hotline.intake.models import Mailbox
from hotline.intake.services.mailboxes import default_mailbox, mailbox_by_address, reencrypt_secrets
from hotline.intake.services.maildir import ingest_maildir


class Command(BaseCommand):
    help = "Приём почты: опрос IMAP, входящий SMTP/LMTP-сервер, импорт Maildir."
    # A long-running worker restarted often (and killed in the fault test): the system checks, which load every
    # URL, view and admin, cost seconds at each start and are run by ``hotline check`` and the web server anyway.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        poll = actions.add_parser("poll", help=gettext("забрать новые письма из IMAP-ящиков"))
        poll.add_argument("--mailbox", help=gettext("адрес ящика (по умолчанию — все активные IMAP-ящики)"))
        poll.add_argument("--loop", action="store_true", help=gettext("опрашивать непрерывно (IDLE, если есть)"))
        poll.add_argument(
            "--interval", type=float, default=None, help=gettext("пауза между опросами, с (по умолчанию из настроек)")
        )

        serve = actions.add_parser("serve-smtp", help=gettext("принимать письма по SMTP или LMTP"))
        serve.add_argument("--host", default=None, help=gettext("адрес (по умолчанию HOTLINE_SMTP_HOST)"))
        serve.add_argument("--port", type=int, default=None, help=gettext("порт (по умолчанию HOTLINE_SMTP_PORT)"))
        serve.add_argument("--lmtp", action="store_true", help=gettext("протокол LMTP вместо SMTP"))

        imported = actions.add_parser("import-maildir", help=gettext("импортировать письма из Maildir"))
        imported.add_argument("path", metavar="PATH", help=gettext("каталог Maildir или папка с .eml"))
        imported.add_argument("--mailbox", help=gettext("адрес ящика (по умолчанию — ящик по умолчанию)"))
        imported.add_argument("--batch", type=int, default=50, help=gettext("писем в одной транзакции"))
        imported.add_argument(
            "--workers",
            type=int,
            default=None,
            help=gettext(
                "параллельных импортёров на PostgreSQL (по умолчанию HOTLINE_MAIL_IMPORT_WORKERS; 0 — по числу ядер)"
            ),
        )

        actions.add_parser(
            "reencrypt", help=gettext("перешифровать пароли ящиков первым ключом HOTLINE_SECRETS_KEY (после смены)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "poll":
                self._poll(options)
            elif options["action"] == "serve-smtp":
                self._serve(options)
            elif options["action"] == "reencrypt":
                self._reencrypt()
            else:
                self._import(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _mailboxes(self, address: str | None) -> list[Mailbox] | None:
        return [mailbox_by_address(address)] if address else None

    def _poll(self, options: dict[str, Any]) -> None:
        chosen = self._mailboxes(options["mailbox"])
        if options["loop"]:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_args: stop.set())
            interval = options["interval"] or float(settings.HOTLINE_MAIL_POLL_SECONDS)
            with contextlib.suppress(KeyboardInterrupt):
                poll_forever(mailboxes=chosen, interval=interval, stop=stop, log=self.stdout.write)
            return
        reports = poll_active_mailboxes(mailboxes=chosen)
        self.stdout.write(json.dumps([r.as_dict() for r in reports], ensure_ascii=False))
        if any(r.error for r in reports):
            raise CommandError(gettext("Не все ящики удалось опросить"), returncode=1)

    def _serve(self, options: dict[str, Any]) -> None:
        from hotline.intake.smtp_server import serve

        serve(
            host=options["host"] or settings.HOTLINE_SMTP_HOST,
            port=options["port"] or settings.HOTLINE_SMTP_PORT,
            lmtp=options["lmtp"],
            log=self.stdout.write,
        )

    def _reencrypt(self) -> None:
        done = reencrypt_secrets(actor=None)
        self.stdout.write(json.dumps({"reencrypted": done.changed, "unreadable": done.unreadable}, ensure_ascii=False))
        if done.unreadable:
            raise CommandError(
                gettext("Пароли ящиков %(addresses)s не расшифровываются ни одним ключом — введите их заново")
                % {"addresses": ", ".join(done.unreadable)},
                returncode=1,
            )

    def _import(self, options: dict[str, Any]) -> None:
        mailbox = mailbox_by_address(options["mailbox"]) if options["mailbox"] else default_mailbox()
        stats = ingest_maildir(
            options["path"], mailbox=mailbox, batch_size=max(1, options["batch"]), workers=options["workers"]
        )
        self.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False))
