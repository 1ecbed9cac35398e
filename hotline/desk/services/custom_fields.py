"""Custom fields: defined per category, inherited by subcategories, validated to clean JSON values."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from hotline.core.contact_points import normalize_email, parse_phone
from hotline.core.errors import ValidationFailed
from hotline.desk.choices import CustomFieldType
from hotline.desk.models import Category, CustomFieldDefinition

TEXT_MAX = 4000
_TRUE = {"true", "1", "yes", "on", "да"}
_FALSE = {"false", "0", "no", "off", "нет"}
_INTEGER = re.compile(r"^[+-]?\d+$")


def ancestor_ids(category: Category) -> list[int]:
    """Ids from the root down to the category itself, read from its materialised path."""
    ids = [int(part) for part in category.path.strip("/").split("/") if part]
    return ids or [category.pk]


def definitions_for(category: Category | None) -> dict[str, CustomFieldDefinition]:
    """The fields a ticket of this category has: its own and its ancestors' (the nearest wins on a key clash)."""
    if category is None:
        return {}
    chain = ancestor_ids(category)
    depth = {cat_id: i for i, cat_id in enumerate(chain)}
    found: dict[str, CustomFieldDefinition] = {}
    for definition in sorted(
        CustomFieldDefinition.objects.filter(category_id__in=chain),
        key=lambda d: (-depth[d.category_id], d.sort_order, d.pk),
    ):
        found.setdefault(definition.key, definition)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].sort_order, kv[1].pk)))


def _choice_values(definition: CustomFieldDefinition) -> list[str]:
    values: list[str] = []
    for item in definition.choices or []:
        if isinstance(item, Mapping):
            values.append(str(item.get("value", "")))
        else:
            values.append(str(item))
    return values


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """One value to its stored JSON form.

    Raises:
        ValidationFailed: the value does not fit the field's type (field="custom_fields.<key>").
    """
    field = f"custom_fields.{definition.key}"
    kind = definition.field_type
    label = definition.label
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationFailed(_("«%(value)s»: нужен текст") % {"value": label}, field=field)
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValidationFailed(
                _("«%(value)s»: не длиннее %(value2)s символов") % {"value": label, "value2": TEXT_MAX}, field=field
            )
        return text
    if kind == CustomFieldType.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value.strip())
        raise ValidationFailed(_("«%(value)s»: нужно целое число") % {"value": label}, field=field)
    if kind == CustomFieldType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValidationFailed(_("«%(value)s»: нужно число") % {"value": label}, field=field)
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation as exc:
            raise ValidationFailed(_("«%(value)s»: нужно число") % {"value": label}, field=field) from exc
        if not number.is_finite():
            raise ValidationFailed(_("«%(value)s»: нужно число") % {"value": label}, field=field)
        # Kept as a string: JSON floats would turn 0.1 into 0.1000000000000000055.
        return str(number)
    if kind == CustomFieldType.DATE:
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
                try:
                    return datetime.datetime.strptime(text, fmt).date().isoformat()
                except ValueError:
                    continue
        raise ValidationFailed(_("«%(value)s»: нужна дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)") % {"value": label}, field=field)
    if kind == CustomFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValidationFailed(_("«%(value)s»: нужно «да» или «нет»") % {"value": label}, field=field)
    if kind == CustomFieldType.CHOICE:
        allowed = _choice_values(definition)
        if str(value) not in allowed or isinstance(value, bool):
            raise ValidationFailed(
                _("«%(value)s»: выберите одно из: %(allowed)s") % {"value": label, "allowed": ", ".join(allowed)},
                field=field,
            )
        return str(value)
    if kind == CustomFieldType.PHONE:
        if not isinstance(value, str):
            raise ValidationFailed(_("«%(value)s»: нужен номер телефона") % {"value": label}, field=field)
        return str(parse_phone(value, field=field))
    if kind == CustomFieldType.EMAIL:
        if not isinstance(value, str):
            raise ValidationFailed(_("«%(value)s»: нужен адрес e-mail") % {"value": label}, field=field)
        return normalize_email(value, field=field)
    raise ValidationFailed(
        _("«%(value)s»: неизвестный тип поля %(kind)s") % {"value": label, "kind": kind}, field=field
    )


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_custom_fields(category: Category | None, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The complete, cleaned set of values for a ticket of ``category``.

    Blank values drop the key. Every required field of the category (and its ancestors) must be there.

    Raises:
        ValidationFailed: an unknown key, a value of the wrong type or a missing required field
            (field="custom_fields.<key>").
    """
    values = dict(values or {})
    definitions = definitions_for(category)
    for key in values:
        if key not in definitions:
            where = (
                _("категории «%(name)s»") % {"name": category.name}
                if category is not None
                else _("заявки без категории")
            )
            raise ValidationFailed(
                _("Поле «%(key)s» не определено для %(where)s") % {"key": key, "where": where},
                field=f"custom_fields.{key}",
            )
    cleaned: dict[str, Any] = {}
    for key, definition in definitions.items():
        value = values.get(key)
        if _is_blank(value):
            if definition.required:
                raise ValidationFailed(
                    _("Заполните поле «%(definition)s»") % {"definition": definition.label},
                    field=f"custom_fields.{key}",
                )
            continue
        cleaned[key] = clean_value(definition, value)
    return cleaned
