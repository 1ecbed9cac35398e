"""Contacts: list/search, screen-pop lookup, card, contact points, consent, duplicates, merge, 152-ФЗ export/erase."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from hotline.core.errors import Forbidden, NotFound, ValidationFailed
from hotline.core.pagination import paginate
from hotline.customers import permissions, selectors, services
from hotline.customers.models import Contact, Organisation
from hotline.customers.schemas import (
    ERRORS,
    ConsentRecordIn,
    ConsentWithdrawIn,
    ContactCreateIn,
    ContactDetailOut,
    ContactEraseIn,
    ContactLookupOut,
    ContactMergeIn,
    ContactPageOut,
    ContactUpdateIn,
    DuplicateOut,
    EmailCreateIn,
    EmailOut,
    Id,
    MessengerCreateIn,
    MessengerOut,
    PathId,
    PhoneCreateIn,
    PhoneOut,
    TagsSetIn,
    Text,
    TimelineItemOut,
)

router = Router(tags=["contacts"])


def _organisation(actor: Any, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    try:
        return selectors.get_organisation_for(actor, organisation_id)
    except NotFound as exc:
        # The contact is the resource here; an unknown id in its body is invalid input.
        raise ValidationFailed(exc.message, field="organisation_id") from exc


def _card(actor: Any, contact_id: int) -> Contact:
    """The contact re-read with everything the card shows, after a change."""
    return selectors.get_contact_for(actor, contact_id)


@router.get("", response={200: ContactPageOut, **ERRORS}, summary="Список и поиск контактов")
def list_contacts(
    request: HttpRequest,
    q: Text = "",
    organisation_id: Id | None = None,
    tag: Text | None = None,
    include_inactive: bool = False,
    cursor: Text | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    queryset = selectors.search_contacts(request.user, q, include_inactive=include_inactive)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    if tag:
        queryset = queryset.filter(tags__name=tag.strip().lower())
    page = paginate(queryset, order_by="sort_key", cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/lookup", response={200: list[ContactLookupOut], **ERRORS}, summary="Поиск по номеру звонящего (screen-pop)"
)
def lookup(request: HttpRequest, phone: Text) -> list[Contact]:
    if not permissions.can_lookup_phone(request.user):
        raise Forbidden("Поиск по номеру доступен только сотрудникам")
    return selectors.lookup_by_phone(phone)


@router.post("", response={201: ContactDetailOut, **ERRORS}, summary="Создать контакт")
def create_contact(request: HttpRequest, payload: ContactCreateIn) -> Status[Contact]:
    contact = services.create_contact(
        actor=request.user,
        full_name=payload.full_name,
        last_name=payload.last_name,
        first_name=payload.first_name,
        middle_name=payload.middle_name,
        phones=[
            p if isinstance(p, str) else services.NewPhone(number=p.number, kind=p.kind, is_primary=p.is_primary)
            for p in payload.phones
        ],
        emails=payload.emails,
        messengers=[services.NewMessenger(kind=m.kind, external_id=m.external_id) for m in payload.messengers],
        organisation=_organisation(request.user, payload.organisation_id),
        position=payload.position,
        notes=payload.notes,
        tags=payload.tags,
        language=payload.language,
        time_zone=payload.time_zone,
        can_view_organisation_tickets=payload.can_view_organisation_tickets,
    )
    # The service's instance carries its phones, e-mails, messengers and tags: no read-back for the card.
    return Status(201, contact)


@router.get(
    "/{int:contact_id}",
    response={200: ContactDetailOut, **ERRORS},
    summary="Карточка контакта (просмотр журналируется)",
)
def get_contact(request: HttpRequest, contact_id: PathId) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.record_contact_view(actor=request.user, contact=contact)
    return contact


@router.patch("/{int:contact_id}", response={200: ContactDetailOut, **ERRORS}, summary="Изменить контакт")
def update_contact(request: HttpRequest, contact_id: PathId, payload: ContactUpdateIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    sent = payload.model_fields_set
    fields = {key: value for key, value in payload.model_dump().items() if key in sent and key != "organisation_id"}
    organisation = _organisation(request.user, payload.organisation_id) if "organisation_id" in sent else services.UNSET
    services.update_contact(actor=request.user, contact=contact, organisation=organisation, **fields)
    return _card(request.user, contact_id)


@router.put("/{int:contact_id}/tags", response={200: ContactDetailOut, **ERRORS}, summary="Заменить метки контакта")
def set_tags(request: HttpRequest, contact_id: PathId, payload: TagsSetIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.set_tags(actor=request.user, contact=contact, tags=payload.tags)
    return _card(request.user, contact_id)


@router.post("/{int:contact_id}/phones", response={201: PhoneOut, **ERRORS}, summary="Добавить телефон")
def add_phone(request: HttpRequest, contact_id: PathId, payload: PhoneCreateIn) -> Status[Any]:
    contact = selectors.get_contact_for(request.user, contact_id)
    phone = services.add_phone(
        actor=request.user, contact=contact, number=payload.number, kind=payload.kind, is_primary=payload.is_primary
    )
    return Status(201, phone)


@router.delete("/{int:contact_id}/phones/{int:phone_id}", response={204: None, **ERRORS}, summary="Удалить телефон")
def remove_phone(request: HttpRequest, contact_id: PathId, phone_id: PathId) -> Status[None]:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.remove_phone(actor=request.user, contact=contact, phone_id=phone_id)
    return Status(204, None)


@router.post("/{int:contact_id}/emails", response={201: EmailOut, **ERRORS}, summary="Добавить e-mail")
def add_email(request: HttpRequest, contact_id: PathId, payload: EmailCreateIn) -> Status[Any]:
    contact = selectors.get_contact_for(request.user, contact_id)
    row = services.add_email(actor=request.user, contact=contact, email=payload.email, is_primary=payload.is_primary)
    return Status(201, row)


@router.delete("/{int:contact_id}/emails/{int:email_id}", response={204: None, **ERRORS}, summary="Удалить e-mail")
def remove_email(request: HttpRequest, contact_id: PathId, email_id: PathId) -> Status[None]:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.remove_email(actor=request.user, contact=contact, email_id=email_id)
    return Status(204, None)


@router.post("/{int:contact_id}/messengers", response={201: MessengerOut, **ERRORS}, summary="Привязать мессенджер")
def add_messenger(request: HttpRequest, contact_id: PathId, payload: MessengerCreateIn) -> Status[Any]:
    contact = selectors.get_contact_for(request.user, contact_id)
    row = services.add_messenger(
        actor=request.user, contact=contact, kind=payload.kind, external_id=payload.external_id
    )
    return Status(201, row)


@router.delete(
    "/{int:contact_id}/messengers/{int:messenger_id}", response={204: None, **ERRORS}, summary="Отвязать мессенджер"
)
def remove_messenger(request: HttpRequest, contact_id: PathId, messenger_id: PathId) -> Status[None]:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.remove_messenger(actor=request.user, contact=contact, messenger_id=messenger_id)
    return Status(204, None)


@router.post(
    "/{int:contact_id}/consent",
    response={200: ContactDetailOut, **ERRORS},
    summary="Зафиксировать согласие на обработку ПДн",
)
def record_consent(request: HttpRequest, contact_id: PathId, payload: ConsentRecordIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.record_consent(actor=request.user, contact=contact, source=payload.source, at=payload.at)
    return _card(request.user, contact_id)


@router.post(
    "/{int:contact_id}/consent/withdraw",
    response={200: ContactDetailOut, **ERRORS},
    summary="Отзыв согласия на обработку ПДн",
)
def withdraw_consent(request: HttpRequest, contact_id: PathId, payload: ConsentWithdrawIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.withdraw_consent(actor=request.user, contact=contact, source=payload.source, at=payload.at)
    return _card(request.user, contact_id)


@router.post(
    "/{int:contact_id}/advertising-consent",
    response={200: ContactDetailOut, **ERRORS},
    summary="Зафиксировать согласие на рекламу (38-ФЗ, ст. 18)",
)
def record_advertising_consent(request: HttpRequest, contact_id: PathId, payload: ConsentRecordIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.record_advertising_consent(actor=request.user, contact=contact, source=payload.source, at=payload.at)
    return _card(request.user, contact_id)


@router.post(
    "/{int:contact_id}/advertising-consent/withdraw",
    response={200: ContactDetailOut, **ERRORS},
    summary="Отзыв согласия на рекламу",
)
def withdraw_advertising_consent(request: HttpRequest, contact_id: PathId, payload: ConsentWithdrawIn) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.withdraw_advertising_consent(actor=request.user, contact=contact, source=payload.source, at=payload.at)
    return _card(request.user, contact_id)


@router.get("/{int:contact_id}/duplicates", response={200: list[DuplicateOut], **ERRORS}, summary="Возможные дубликаты")
def duplicates(request: HttpRequest, contact_id: PathId) -> list[services.DuplicateCandidate]:
    contact = selectors.get_contact_for(request.user, contact_id)
    return services.find_duplicates(actor=request.user, contact=contact)


@router.post(
    "/{int:contact_id}/merge",
    response={200: ContactDetailOut, **ERRORS},
    summary="Объединить дубликат с этим контактом",
)
def merge(request: HttpRequest, contact_id: PathId, payload: ContactMergeIn) -> Contact:
    survivor = selectors.get_contact_for(request.user, contact_id)
    try:
        duplicate = selectors.get_contact_for(request.user, payload.duplicate_id)
    except NotFound as exc:
        raise ValidationFailed(exc.message, field="duplicate_id") from exc
    services.merge_contacts(actor=request.user, survivor=survivor, duplicate=duplicate)
    return _card(request.user, contact_id)


@router.get(
    "/{int:contact_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Выгрузка всех персональных данных (152-ФЗ)",
)
def export(request: HttpRequest, contact_id: PathId, response: HttpResponse) -> dict[str, Any]:
    contact = selectors.get_contact_for(request.user, contact_id)
    data = services.export_contact(actor=request.user, contact=contact)
    response["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return data


@router.post(
    "/{int:contact_id}/erase", response={200: ContactDetailOut, **ERRORS}, summary="Обезличить контакт (152-ФЗ)"
)
def erase(request: HttpRequest, contact_id: PathId, payload: ContactEraseIn | None = None) -> Contact:
    contact = selectors.get_contact_for(request.user, contact_id)
    services.erase_contact(actor=request.user, contact=contact, reason=payload.reason if payload else "")
    return _card(request.user, contact_id)


@router.get("/{int:contact_id}/timeline", response={200: list[TimelineItemOut], **ERRORS}, summary="История обращений")
def timeline(request: HttpRequest, contact_id: PathId, limit: int = 50) -> list[Any]:
    contact = selectors.get_contact_for(request.user, contact_id)
    return selectors.contact_timeline(request.user, contact, limit)
