"""``hotline jobs [--once]``: run the periodic background jobs in this process, without a broker.

Embedded mode already runs them inside the web server; this command is for an embedded install whose web
server runs with the scheduler off (``HOTLINE_EMBEDDED_SCHEDULER=0``), or for cron (``--once``). Each job claims
its time slot in the database, so running this beside other schedulers never does a slot's work twice.
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.celery import PERIODIC_TASKS, EmbeddedScheduler, app, period_of


class Command(BaseCommand):
    help = "Run the periodic background jobs (outbox, SLA checks, auto-close) in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run each job once now and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        app.loader.import_default_modules()
        if options["once"]:
            for name in PERIODIC_TASKS:
                result = app.tasks[name].apply()
                outcome = "failed" if result.failed() else result.result
                self.stdout.write(f"{name}: {outcome}")
            return
        scheduler = EmbeddedScheduler(first_run_after=0)
        self.stdout.write("periodic jobs: " + ", ".join(f"{name} every {period_of(name)} s" for name in PERIODIC_TASKS))
        signal.signal(signal.SIGTERM, lambda *_: scheduler.stopping.set())
        scheduler.start()
        try:
            while scheduler.is_alive():
                scheduler.join(1.0)
        except KeyboardInterrupt:
            scheduler.stop()
