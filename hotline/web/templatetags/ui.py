"""Template helpers of the design system: icons, initials, sort links."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def icon(name: str, css: str = "", label: str = "") -> SafeString:
    """An icon from the built sprite; decorative unless given a label."""
    href = f"{static('dist/icons.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="icon {}" role="img" aria-label="{}"><use href="{}"></use></svg>', css, label, href
        )
    return format_html(
        '<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', css, href
    )


@register.filter
def initials(value: Any) -> str:
    words = [w for w in str(value or "").replace(".", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    return "".join(w[0] for w in words[:2]).upper()


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, field: str, label: str) -> SafeString:
    """A column header that sorts by ``field``, toggling direction, keeping the other filters."""
    request = context["request"]
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    if current == field:
        params["sort"] = f"-{field}"
        aria, arrow = "ascending", "arrow-up"
    elif current == f"-{field}":
        params["sort"] = field
        aria, arrow = "descending", "arrow-down"
    else:
        params["sort"] = field
        aria, arrow = "", ""
    arrow_html = icon(arrow, "icon-sm") if arrow else ""
    if aria:
        return format_html('<a href="?{}" aria-sort="{}">{}{}</a>', params.urlencode(), aria, label, arrow_html)
    return format_html('<a href="?{}">{}</a>', params.urlencode(), label)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ counts|get:contact.pk }}``: a dictionary lookup by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
