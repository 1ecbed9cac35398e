"""Organisations: the companies and institutions contacts belong to."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hotline.core import audit, events
from hotline.core.contact_points import normalize_email, parse_phone
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog
from hotline.customers import permissions
from hotline.customers.events import OrganisationCreated, OrganisationDeleted, OrganisationUpdated
from hotline.customers.models import Organisation
from hotline.customers.services._common import actor_id, clean_multiline, clean_text, require

_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9а-яё](?:[a-z0-9а-яё-]{0,61}[a-z0-9а-яё])?\.)+[a-zа-я]{2,63}$")
_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def is_valid_inn(inn: str) -> bool:
    """An INN of a legal entity (10 digits) or of a person / sole trader (12), with its check digits."""
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return inn[9] == _check_digit(inn[:9], _INN10)
    if len(inn) == 12:
        return inn[10] == _check_digit(inn[:10], _INN11) and inn[11] == _check_digit(inn[:11], _INN12)
    return False


def _clean_inn(value: str) -> str:
    inn = "".join(value.split())
    if inn and not is_valid_inn(inn):
        raise ValidationFailed(
            _("ИНН «%(inn)s» неверен: 10 цифр для организации или 12 для ИП, с верными контрольными цифрами")
            % {"inn": value},
            field="inn",
        )
    return inn


def _clean_kpp(value: str) -> str:
    kpp = "".join(value.split()).upper()
    if kpp and not _KPP.match(kpp):
        raise ValidationFailed(_("КПП — 9 символов: 4 цифры, 2 цифры или буквы, 3 цифры"), field="kpp")
    return kpp


def _clean_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("@").rstrip(".")
    if domain and not _DOMAIN.match(domain):
        raise ValidationFailed(_("Некорректный почтовый домен «%(domain)s»") % {"domain": value}, field="domain")
    return domain


def _clean(values: dict[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        if key == "name":
            name = clean_text(value, field="name", max_length=255, label=_("Название"))
            if not name:
                raise ValidationFailed(_("Укажите название организации"), field="name")
            cleaned["name"] = name
        elif key == "inn":
            cleaned["inn"] = _clean_inn(value)
        elif key == "kpp":
            cleaned["kpp"] = _clean_kpp(value)
        elif key == "address":
            cleaned["address"] = clean_text(value, field="address", max_length=500, label=_("Адрес"))
        elif key == "phone":
            phone = parse_phone(value, field="phone") if value.strip() else None
            cleaned["phone"] = phone.e164 if phone else ""
            cleaned["phone_extension"] = phone.extension if phone else ""
        elif key == "email":
            cleaned["email"] = normalize_email(value, field="email") if value.strip() else ""
        elif key == "domain":
            cleaned["domain"] = _clean_domain(value)
        elif key == "notes":
            cleaned["notes"] = clean_multiline(value, field="notes", max_length=10_000, label=_("Заметки"))
    return cleaned


def _ensure_unique_inn(organisation: Organisation) -> None:
    if not organisation.inn:
        return
    twin = Organisation.objects.filter(inn=organisation.inn, kpp=organisation.kpp).exclude(pk=organisation.pk).first()
    if twin is not None:
        raise Conflict(
            _("Организация с таким ИНН и КПП уже есть: «%(name)s» (#%(id)s)") % {"name": twin.name, "id": twin.pk},
            field="inn",
        )


def _save(organisation: Organisation, update_fields: list[str] | None = None) -> None:
    _ensure_unique_inn(organisation)
    try:
        # The savepoint keeps the outer transaction usable when a parallel request won the race.
        with transaction.atomic():
            organisation.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise Conflict(_("Организация с таким ИНН и КПП уже есть"), field="inn") from exc


@transaction.atomic
def create_organisation(
    *,
    actor: Any,
    name: str,
    inn: str = "",
    kpp: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    domain: str = "",
    notes: str = "",
) -> Organisation:
    """Create an organisation; the phone is stored in E.164, the INN checked by its control digits.

    Raises:
        Forbidden, ValidationFailed, Conflict: the same INN and KPP exist already.
    """
    require(
        actor is None or permissions.can_edit_organisation(actor), _("Недостаточно прав для работы с организациями")
    )
    values = _clean(
        {
            "name": name, "inn": inn, "kpp": kpp, "address": address,
            "phone": phone, "email": email, "domain": domain, "notes": notes,
        }
    )  # fmt: skip
    organisation = Organisation(**values)
    _save(organisation)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=organisation, summary=organisation.name)
    events.publish(OrganisationCreated(actor_id=actor_id(actor), organisation_id=organisation.pk))
    return organisation


@transaction.atomic
def update_organisation(
    *,
    actor: Any,
    organisation: Organisation,
    name: str | None = None,
    inn: str | None = None,
    kpp: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    domain: str | None = None,
    notes: str | None = None,
) -> Organisation:
    """Change the given fields (``None`` = leave as is, ``""`` = clear).

    Raises:
        Forbidden, ValidationFailed, Conflict.
    """
    require(
        actor is None or permissions.can_edit_organisation(actor), _("Недостаточно прав для работы с организациями")
    )
    organisation.refresh_from_db(from_queryset=Organisation.objects.select_for_update())
    given = {
        "name": name, "inn": inn, "kpp": kpp, "address": address,
        "phone": phone, "email": email, "domain": domain, "notes": notes,
    }  # fmt: skip
    values = _clean({key: value for key, value in given.items() if value is not None})
    changed = [key for key, value in values.items() if getattr(organisation, key) != value]
    if not changed:
        return organisation
    for key in changed:
        setattr(organisation, key, values[key])
    _save(organisation, update_fields=[*changed, "updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=organisation, changes={"fields": changed})
    events.publish(OrganisationUpdated(actor_id=actor_id(actor), organisation_id=organisation.pk, fields=changed))
    return organisation


def _references(organisation: Organisation) -> list[str]:
    """What still points at the organisation, found by introspection so upper apps' rows count too."""
    found: list[str] = []
    for relation in Organisation._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue  # forward fields of the organisation itself
        model = relation.related_model
        if model is None or isinstance(model, str) or model._meta.auto_created:
            continue  # auto-created many-to-many tables go away with their links
        field_name = relation.field.name  # type: ignore[union-attr]
        count = model._default_manager.filter(**{field_name: organisation}).count()
        if count:
            found.append(f"{model._meta.verbose_name_plural}: {count}")
    return found


@transaction.atomic
def delete_organisation(*, actor: Any, organisation: Organisation) -> None:
    """Delete an organisation nothing refers to any more; otherwise say what still does.

    Raises:
        Forbidden: not a supervisor or admin.
        Conflict: contacts, tickets or other records still belong to it.
    """
    require(
        actor is None or permissions.can_delete_organisation(actor),
        _("Удалять организации могут только руководители и администраторы"),
    )
    organisation.refresh_from_db(from_queryset=Organisation.objects.select_for_update())
    references = _references(organisation)
    if references:
        raise Conflict(
            _("Организацию нельзя удалить, к ней привязаны: %(refs)s") % {"refs": "; ".join(references)},
            code="organisation_in_use",
        )
    pk = organisation.pk
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=organisation, summary=organisation.name)
    organisation.delete()
    events.publish(OrganisationDeleted(actor_id=actor_id(actor), organisation_id=pk))
