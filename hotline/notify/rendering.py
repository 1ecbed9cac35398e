"""Renders notification templates with Django's template language, sandboxed.

The engine has no loaders, no ``{% load %}``-able libraries and only the tags of
``template_library``; the context holds plain strings, numbers, lists and dicts built by ``context``
(never model instances), so a template sees exactly what it is given and nothing it could call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError

from hotline.core.errors import ValidationFailed
from hotline.notify.defaults import default_template, variables_for
from hotline.notify.models import NotificationTemplate

logger = logging.getLogger(__name__)
SOURCE_MAX = 20_000
BODY_MAX = 200_000
_BLANK_LINES = re.compile(r"\n{3,}")


class SandboxEngine(Engine):
    default_builtins = ["hotline.notify.template_library"]


_engine = SandboxEngine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False, string_if_invalid="")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def compile_template(source: str, *, field: str) -> Template:
    """Raises ValidationFailed: the text is too long or not a valid template (the message says where)."""
    if len(source) > SOURCE_MAX:
        raise ValidationFailed(f"Шаблон не длиннее {SOURCE_MAX} символов", field=field)
    try:
        return _engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationFailed(f"Ошибка в шаблоне: {exc}", field=field) from exc


def _render(template: Template, context: Mapping[str, Any]) -> str:
    return template.render(Context(dict(context), autoescape=False))


def clean_subject(text: str) -> str:
    return " ".join(text.split())[:250]


def clean_body(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))[:BODY_MAX]


def render_source(subject: str, body: str, context: Mapping[str, Any]) -> Rendered:
    """Render a subject and body given as template source.

    Raises:
        ValidationFailed: a syntax error, or an error while rendering (a filter given a bad argument).
    """
    subject_template = compile_template(subject, field="subject")
    body_template = compile_template(body, field="body")
    try:
        return Rendered(
            subject=clean_subject(_render(subject_template, context)), body=clean_body(_render(body_template, context))
        )
    except (TemplateSyntaxError, ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        raise ValidationFailed(f"Шаблон не отрисовывается: {exc}", field="body") from exc


def render(kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """The administrator's template for (kind, language) if there is one, else the shipped default.

    A broken administrator's template never loses the notification: the default is used and the
    error logged.
    """
    row = NotificationTemplate.objects.filter(kind=kind, language=language).first()
    if row is not None:
        try:
            return render_source(row.subject, row.body, context)
        except ValidationFailed:
            logger.exception("notification template %s/%s failed; the default was used", kind, language)
    default = default_template(kind, language)
    return render_source(default.subject, default.body, context)


def sample_context(kind: str) -> dict[str, Any]:
    """Example values of every variable of the kind, for checking and previewing a template."""
    context: dict[str, Any] = {name: f"«{description}»" for name, description in variables_for(kind).items()}
    context.update(
        number="HL-000123",
        attachments=["акт.pdf"],
        rating_links=[{"score": n, "url": f"https://hotline.example/n/rate/…?score={n}"} for n in range(1, 6)],
        transferred=False,
    )
    return context


def validate_template(kind: str, subject: str, body: str) -> Rendered:
    """Check an administrator's template by rendering it on example values.

    Raises:
        ValidationFailed: a syntax or rendering error, or an empty result.
    """
    rendered = render_source(subject, body, sample_context(kind))
    if not rendered.subject:
        raise ValidationFailed("Тема пуста после подстановки", field="subject")
    if not rendered.body:
        raise ValidationFailed("Текст пуст после подстановки", field="body")
    return rendered
