"""``/api/notifications``: the signed-in person's in-app notifications and notification preferences."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Router

from hotline.core.models import User
from hotline.desk import permissions
from hotline.desk.schemas import ErrorOut
from hotline.notify import selectors
from hotline.notify.models import Notification
from hotline.notify.schemas import (
    MarkedOut,
    MarkReadIn,
    NotificationOut,
    NotificationPageOut,
    PreferenceOut,
    PreferencesIn,
    PreferencesOut,
    UnreadOut,
)
from hotline.notify.services import inapp, preferences

router = Router(tags=["notifications"])
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _out(notice: Notification) -> NotificationOut:
    return NotificationOut(
        id=notice.pk,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        url=notice.url,
        ticket_id=notice.ticket_id,
        ticket_number=notice.ticket.number if notice.ticket is not None else None,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


@router.get("", response={200: NotificationPageOut, **ERRORS}, summary="Мои уведомления (новые сверху)")
def list_notifications(
    request: HttpRequest, unread: bool = False, cursor: str | None = None, limit: int = 20
) -> NotificationPageOut:
    user = _actor(request)
    page = selectors.list_notifications(user, unread_only=unread, cursor=cursor, limit=limit)
    return NotificationPageOut(
        items=[_out(n) for n in page.items], next_cursor=page.next_cursor, unread=selectors.unread_count(user)
    )


@router.get("/unread-count", response={200: UnreadOut, **ERRORS}, summary="Число непрочитанных")
def unread_count(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=selectors.unread_count(_actor(request)))


@router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="Отметить прочитанным")
def read_one(request: HttpRequest, notification_id: int) -> NotificationOut:
    user = _actor(request)
    notice = selectors.get_notification_for(user, notification_id)
    inapp.mark_read(actor=user, notification_ids=[notice.pk])
    return _out(selectors.get_notification_for(user, notification_id))


@router.post("/read", response={200: MarkedOut, **ERRORS}, summary="Отметить прочитанными несколько")
def read_many(request: HttpRequest, payload: MarkReadIn) -> MarkedOut:
    user = _actor(request)
    marked = inapp.mark_read(actor=user, notification_ids=payload.ids)
    return MarkedOut(marked=marked, unread=selectors.unread_count(user))


@router.post("/read-all", response={200: MarkedOut, **ERRORS}, summary="Отметить прочитанными все")
def read_all(request: HttpRequest) -> MarkedOut:
    user = _actor(request)
    marked = inapp.mark_all_read(actor=user)
    return MarkedOut(marked=marked, unread=0)


def _preferences(user: User) -> PreferencesOut:
    contact = permissions.contact_of(user)
    return PreferencesOut(
        preferences=[
            PreferenceOut(kind=r.kind, label=r.label, channel=r.channel, enabled=r.enabled, locked=r.locked)
            for r in selectors.preferences_for(user)
        ],
        unsubscribed=selectors.is_unsubscribed(contact) if contact is not None else None,
    )


@router.get("/preferences", response={200: PreferencesOut, **ERRORS}, summary="Какие уведомления я получаю")
def get_preferences(request: HttpRequest) -> PreferencesOut:
    return _preferences(_actor(request))


@router.put(
    "/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="Включить или отключить уведомления",
    description="Передайте только то, что меняется: `{preferences: [{kind, channel, enabled}]}`. "
    "Обязательные письма клиенту (заявка принята, ответ поддержки) не отключаются.",
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    user = _actor(request)
    preferences.set_preferences(
        actor=user,
        user=user,
        changes=[preferences.PreferenceChange(p.kind, p.channel, p.enabled) for p in payload.preferences],
    )
    contact = permissions.contact_of(user)
    if payload.unsubscribed is not None and contact is not None:
        if payload.unsubscribed:
            preferences.unsubscribe_contact(actor=user, contact=contact, source="API")
        else:
            preferences.resubscribe_contact(actor=user, contact=contact, source="API")
    return _preferences(user)
