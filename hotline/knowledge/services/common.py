"""What every knowledge service checks the same way."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from hotline.core.errors import ValidationFailed


def refuse_nul(*values: tuple[str, str | None] | tuple[str, Iterable[str]]) -> None:
    """Raises ValidationFailed on a U+0000 in any (field, text): PostgreSQL text cannot hold it, and a clear
    refusal beats a database error."""
    for field, value in values:
        texts = [value] if isinstance(value, str) or value is None else list(value)
        if any("\x00" in (text or "") for text in texts):
            raise ValidationFailed(_("Недопустимый символ в тексте"), field=field)
