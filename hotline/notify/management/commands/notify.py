"""``hotline notify send [--loop]``: send due mail and webhooks; ``hotline notify templates``: install defaults."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.notify.services.sending import send_due_emails
from hotline.notify.services.templates import install_defaults
from hotline.notify.services.webhooks import send_due_webhooks


class Command(BaseCommand):
    help = "Notifications: 'send' delivers due mail and webhooks (once, or with --loop); 'templates' installs defaults."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send due mail and webhook deliveries")
        send.add_argument("--loop", action="store_true", help="keep sending until stopped")
        send.add_argument("--interval", type=float, default=5.0, help="seconds between polls with --loop")
        send.add_argument("--batch", type=int, default=200)
        sub.add_parser("templates", help="create editable rows for the shipped templates that have none")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "templates":
            self.stdout.write(f"installed {install_defaults()} template(s)")
            return
        while True:
            mail = send_due_emails(limit=options["batch"])
            hooks_ok, hooks_failed = send_due_webhooks(limit=options["batch"])
            busy = bool(mail.sent or mail.failed or hooks_ok or hooks_failed)
            if busy or not options["loop"]:
                self.stdout.write(f"mail: {mail}; webhooks: sent {hooks_ok}, failed {hooks_failed}")
            if not options["loop"]:
                return
            if not busy:
                time.sleep(options["interval"])
