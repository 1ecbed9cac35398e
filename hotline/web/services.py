"""Writes the web shell owns: a person's preferences, saved filters and seen-markers."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit
from hotline.core.errors import Conflict, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.web.models import SavedFilter, SeenMarker

# Query keys a saved filter keeps; paging and one-off sorting state are dropped.
_IGNORED_KEYS = {"page", "cursor", "csrfmiddlewaretoken"}


@transaction.atomic
def update_preferences(*, actor: User, language: str | None = None, time_zone: str | None = None) -> User:
    """Saves the interface language and time zone of the signed-in person.

    Raises:
        ValidationFailed: unknown language or time zone.
    """
    fields: list[str] = []
    changes: dict[str, list[str]] = {}
    if language is not None:
        if language not in {code for code, _name in settings.LANGUAGES}:
            raise ValidationFailed(_("Неизвестный язык"), field="language")
        if language != actor.language:
            changes["language"] = [actor.language, language]
            actor.language = language
            fields.append("language")
    if time_zone is not None:
        if time_zone not in zoneinfo.available_timezones():
            raise ValidationFailed(_("Неизвестный часовой пояс"), field="time_zone")
        if time_zone != actor.time_zone:
            changes["time_zone"] = [actor.time_zone, time_zone]
            actor.time_zone = time_zone
            fields.append("time_zone")
    if fields:
        actor.save(update_fields=fields)
        audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=actor, summary="preferences", changes=changes)
    return actor


def clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k not in _IGNORED_KEYS]
    return urlencode(pairs)


@transaction.atomic
def save_filter(*, actor: User, name: str, query: str, scope: str = "tickets", is_shared: bool = False) -> SavedFilter:
    """Keeps the current list filters under a name.

    Raises:
        ValidationFailed: no name, or nothing to save.
        Conflict: the person already has a filter with that name.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Дайте фильтру название"), field="name")
    if len(name) > 80:
        raise ValidationFailed(_("Не длиннее 80 символов"), field="name")
    cleaned = clean_query(query)
    if not cleaned:
        raise ValidationFailed(_("Сначала выберите условия фильтра"), field="query")
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(
                owner=actor, scope=scope, name=name, query=cleaned[:1000], is_shared=is_shared
            )
    except IntegrityError as exc:
        raise Conflict(_("Фильтр с таким названием уже есть"), field="name") from exc
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=saved, summary=name)
    return saved


@transaction.atomic
def delete_filter(*, actor: User, filter_id: int) -> None:
    """Removes one of the person's own saved filters.

    Raises:
        NotFound: no such filter of theirs.
    """
    saved = SavedFilter.objects.filter(owner=actor, pk=filter_id).first()
    if saved is None:
        raise NotFound(_("Фильтр не найден"))
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=saved, summary=saved.name)
    saved.delete()


def mark_seen(*, user: User, keys: Iterable[str]) -> None:
    """Remembers that the person has seen these things now (no audit: it is their own read state)."""
    now = timezone.now()
    for key in keys:
        SeenMarker.objects.update_or_create(user=user, key=key, defaults={"seen_at": now})
