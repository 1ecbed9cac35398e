"""``hotline close_resolved``: close tickets resolved more than N days ago (run daily by the scheduler)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotline.core.errors import ValidationFailed
from hotline.desk.services.workflow import close_resolved_tickets


class Command(BaseCommand):
    help = "Закрыть заявки, решённые более N дней назад (по умолчанию HOTLINE_AUTO_CLOSE_DAYS)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Через сколько дней после решения закрывать (сейчас {settings.HOTLINE_AUTO_CLOSE_DAYS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            closed = close_resolved_tickets(older_than_days=options["days"])
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Закрыто заявок: {closed}")
