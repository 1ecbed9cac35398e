from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _ensure_search_schema(using: str = "default", **kwargs: Any) -> None:
    # Schema, not domain flow: whenever tables are (re)built — migrations, or tests without them — the
    # FTS5 table, its triggers and the GIN indexes exist as well.
    from hotline.knowledge.search.schema import ensure_search_schema

    ensure_search_schema(connections[using])


class KnowledgeConfig(AppConfig):
    name = "hotline.knowledge"
    label = "knowledge"
    verbose_name = "База знаний и поиск"

    def ready(self) -> None:
        from hotline.knowledge import subscribers

        subscribers.register()
        post_migrate.connect(_ensure_search_schema, sender=self, dispatch_uid="knowledge_search_schema")
