"""Template helpers of the telephony screens."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def duration(seconds: Any) -> str:
    """Seconds as m:ss (or h:mm:ss): how long a call or a wait lasted."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        return "—"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
