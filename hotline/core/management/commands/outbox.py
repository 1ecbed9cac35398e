"""``hotline outbox [--loop]``: deliver pending outbox events to their async subscribers."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.outbox import deliver_pending


class Command(BaseCommand):
    help = "Deliver pending outbox events (once, or continuously with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls with --loop")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            delivered = deliver_pending(limit=options["batch"])
            if delivered or not options["loop"]:
                self.stdout.write(f"delivered {delivered} event(s)")
            if not options["loop"]:
                return
            if not delivered:
                time.sleep(options["interval"])
