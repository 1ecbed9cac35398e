"""Shapes of the notifications API (``/api/notifications``)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    ticket_id: int | None
    ticket_number: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(Schema):
    unread: int


class MarkReadIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)


class MarkedOut(Schema):
    marked: int
    unread: int


class PreferenceOut(Schema):
    kind: str
    label: str
    channel: str
    enabled: bool
    locked: bool = Field(description="Обязательное письмо клиенту: отключить нельзя")


class PreferencesOut(Schema):
    preferences: list[PreferenceOut]
    unsubscribed: bool | None = Field(
        None, description="Клиент отписан от необязательных писем (статусы, оценка); для сотрудников — null"
    )


class PreferenceIn(Schema):
    kind: str
    channel: str
    enabled: bool


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(default_factory=list, max_length=100)
    unsubscribed: bool | None = Field(None, description="Только для клиента: отписаться от необязательных писем")
