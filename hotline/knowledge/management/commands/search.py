"""``hotline search reindex [--kinds tickets,contacts,articles] [--batch N]``: rebuild the search index.

Run after a bulk load that bypassed the services (the benchmark's seeding, an import, a restore): the
live index is kept by the writes themselves. ``hotline search query TEXT`` shows what an administrator
would find, for checking the index from a shell.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.models import User
from hotline.knowledge.search import rebuild, service


class Command(BaseCommand):
    help = "Search index: rebuild it (reindex) or try a query (query)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="rebuild the documents and the typo dictionary")
        reindex.add_argument("--kinds", default="tickets,contacts,articles")
        reindex.add_argument("--batch", type=int, default=20_000, help="ids per transaction")
        query = sub.add_parser("query", help="search as an administrator and print the hits")
        query.add_argument("text")
        query.add_argument("--limit", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            self._reindex(options)
        else:
            self._query(options)

    def _reindex(self, options: dict[str, Any]) -> None:
        kinds = tuple(k.strip() for k in str(options["kinds"]).split(",") if k.strip())
        unknown = set(kinds) - set(service.KINDS)
        if unknown or not kinds:
            raise CommandError(f"--kinds: одно или несколько из {', '.join(service.KINDS)}")
        if options["batch"] < 1:
            raise CommandError("--batch: положительное число")
        started = time.monotonic()

        def progress(kind: str, done: int) -> None:
            self.stdout.write(f"  {kind}: {done}", ending="\r")
            self.stdout.flush()

        counts = rebuild.reindex(kinds=kinds, batch=options["batch"], progress=progress)
        self.stdout.write("")  # past the progress line
        summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"indexed: {summary} in {time.monotonic() - started:.1f} s"))

    def _query(self, options: dict[str, Any]) -> None:
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("нужен активный суперпользователь (hotline createsuperuser)")
        found = service.search(admin, options["text"], limit=options["limit"])
        if found.corrected:
            self.stdout.write(f"corrected: {', '.join(found.corrected)}")
        for kind in service.KINDS:
            for hit in found[kind].hits:
                self.stdout.write(f"{kind[:-1]} #{hit.object_id}  {hit.title}  ·  {hit.snippet[:100]}")
