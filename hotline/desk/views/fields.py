"""Custom fields of a category on the desk's forms: which inputs to show, and reading them back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

from hotline.core.errors import DomainError
from hotline.desk.models import Category
from hotline.desk.services.custom_fields import definitions_for

PREFIX = "cf_"


def posted_values(data: QueryDict) -> dict[str, str]:
    return {k.removeprefix(PREFIX): str(data.get(k, "")) for k in data if k.startswith(PREFIX)}


def error_for(exc: DomainError) -> tuple[str, str] | None:
    """(key, message) when the error is about one custom field."""
    if exc.field and exc.field.startswith("custom_fields."):
        return exc.field.removeprefix("custom_fields."), exc.message
    return None


def field_rows(
    category: Category | None, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    values = values or {}
    errors = errors or {}
    rows = []
    for key, d in definitions_for(category).items():
        choices = []
        for item in d.choices or []:
            if isinstance(item, dict):
                choices.append((str(item.get("value", "")), str(item.get("label", item.get("value", "")))))
            else:
                choices.append((str(item), str(item)))
        value = values.get(key, "")
        rows.append(
            {
                "key": key,
                "label": d.label,
                "type": d.field_type,
                "required": d.required,
                "choices": choices,
                "value": "true" if value is True else "false" if value is False else str(value or ""),
                "error": errors.get(key, ""),
            }
        )
    return rows


def category_from(request: HttpRequest, raw: str | None) -> Category | None:
    if not raw or not str(raw).isdigit():
        return None
    return Category.objects.filter(pk=int(raw), is_active=True).first()
