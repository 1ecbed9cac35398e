"""Form rendering for every app: one field template (label, input, help, errors next to the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"


class StyledFormMixin:
    """Marks invalid widgets with aria-invalid and points them at their error text."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        for name in form.errors:
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{form.add_prefix(name)}-error"


def add_domain_error(form: forms.BaseForm, message: str, field: str | None) -> None:
    """Shows a domain error (core.errors) beside the field it names, else above the form."""
    target = field if field and field in form.fields else None
    if target is None and field and "." in field and field.split(".")[0] in form.fields:
        target = field.split(".")[0]
    form.add_error(target, message)
