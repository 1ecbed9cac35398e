"""Where a reply's own words end: quoted history and signatures, folded away in the timeline but kept.

Mail clients mark the quote differently: ``>`` lines, «12.03.2024, 10:15, "Иван" <ivan@example.ru>:» (Яндекс),
«пн, 12 мар. 2024 г. в 10:15, Иван <…>:» (Gmail), «Вторник, 12 марта 2024, 10:15 +03:00 от Иван <…>:» (Mail.ru),
an Outlook «От: … Отправлено: …» block, «-----Original Message-----», a signature after «-- ». The text is stored
whole; ``fold_text`` finds the fold point, ``folded_html`` wraps everything from there in ``<details>``, which a
browser shows collapsed with no script. A forwarded message is the customer's content and is never folded.
"""

from __future__ import annotations

import re
from html import escape

from django.utils.translation import gettext as _

_WROTE = re.compile(
    r"(?:wrote|writes|пишет|написал|написала|написал\(а\)|schrieb|a écrit)\s*:\s*$",
    re.IGNORECASE,
)
# «12.03.2024, 10:15, "Иван" <ivan@example.ru>:» and «… от Иван <ivan@example.ru>:».
_DATED_ADDRESS = re.compile(r"\d{1,2}:\d{2}.{0,200}<[^<>@\s]+@[^<>\s]+>\s*:\s*$")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:original message|исходное сообщение|исходное письмо|оригинальное сообщение)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|от|от кого)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(?:sent|date|to|subject|отправлено|дата|кому|тема|копия|cc)\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my \w+|отправлено с (?:моего )?(?:iphone|ipad|мобильного|устройства)|"
    r"отправлено из мобильной почты mail\.ru|отправлено из приложения|get outlook for)",
    re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^\s*>")
_ATTRIBUTION_START = re.compile(r"^\s*(?:on\b|в\b|\d)", re.IGNORECASE)


def fold_text(text: str) -> int | None:
    """The offset in ``text`` where the quote or signature starts; None when there is nothing to fold.

    The words before the fold must not be empty: a message that is all quote is shown whole.
    """
    lines = text.splitlines(keepends=True)
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    stripped = [line.rstrip("\r\n") for line in lines]
    for index, line in enumerate(stripped):
        if _starts_quote(stripped, index):
            offset = offsets[index]
            # A wrapped attribution («On Tue, 12 Mar 2024 at 10:15, Ivan Petrov <\nivan@example.com> wrote:»).
            previous = stripped[index - 1] if index > 0 else ""
            if (
                previous
                and _WROTE.search(line)
                and not _WROTE.search(previous)
                and len(previous) + len(line) < 300
                and _ATTRIBUTION_START.match(previous)
            ):
                offset = offsets[index - 1]
            if text[:offset].strip():
                return offset
            return None
    return None


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index]
    if not line.strip():
        return False
    rest = [other for other in lines[index + 1 :] if other.strip()]
    if _SIGNATURE.match(line):
        return True
    if _MOBILE_SIGNATURE.match(line) and len(rest) <= 8:
        return True
    if _ORIGINAL.match(line):
        return True
    if len(line) <= 300 and (_WROTE.search(line) or _DATED_ADDRESS.search(line)) and rest:
        return True
    if _HEADER_FROM.match(line):
        following = [other for other in lines[index + 1 : index + 6] if other.strip()]
        return sum(1 for other in following[:4] if _HEADER_NEXT.match(other)) >= 2
    # A trailing block of «>» lines (with blank lines or an attribution between them only).
    return bool(_QUOTED_LINE.match(line)) and all(_QUOTED_LINE.match(other) for other in rest)


_BLOCKQUOTE = re.compile(r"<blockquote\b", re.IGNORECASE)
_HTML_HEADER_FROM = re.compile(
    r"\b(?:from|от)\s*:\s*(?:</?[a-z][^>]*>\s*){0,6}[^<]{1,300}?(?:</?[a-z][^>]*>\s*){0,10}"
    r"(?:sent|date|отправлено|дата)\s*:",
    re.IGNORECASE,
)
_HTML_ORIGINAL = re.compile(r"-{2,}\s*(?:original message|исходное сообщение|исходное письмо)\s*-{2,}", re.IGNORECASE)
_BLOCK_START = re.compile(r"<(?:div|p|span|hr|br|table)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def _summary() -> str:
    return escape(_("Показать цитату и подпись"))


def folded_html(html: str) -> str:
    """The sanitised HTML with the quoted history wrapped in a collapsed ``<details>`` (unchanged if none).

    The result is sanitised again by the desk, which also balances any element the fold cut across.
    """
    candidates = []
    match = _BLOCKQUOTE.search(html)
    if match is not None:
        # Pull in the attribution line just before the quote («… пишет:», «… <a@b>:»).
        candidates.append(_block_start(html, match.start(), attribution=True))
    for pattern in (_HTML_HEADER_FROM, _HTML_ORIGINAL):
        found = pattern.search(html)
        if found is not None:
            candidates.append(_block_start(html, found.start(), attribution=False))
    if not candidates:
        return html
    start = min(candidates)
    if not _TAG.sub("", html[:start]).strip():
        return html
    return f"{html[:start]}<details><summary>{_summary()}</summary>{html[start:]}</details>"


def _block_start(html: str, position: int, *, attribution: bool) -> int:
    """Move the fold back to the start of the element holding it (and of an attribution line before a quote)."""
    window = html[max(0, position - 600) : position]
    starts = list(_BLOCK_START.finditer(window))
    if not starts:
        return position
    last = starts[-1].start()
    between = _TAG.sub("", window[last:]).strip()
    if not between or (attribution and between.endswith(":")):
        return position - len(window) + last
    return position


def text_as_folded_html(text: str, offset: int) -> str:
    """A plain-text message as HTML, its own words first and the rest collapsed."""
    head = escape(text[:offset].rstrip()).replace("\n", "<br>")
    tail = escape(text[offset:].strip("\n")).replace("\n", "<br>")
    return f"<div>{head}</div><details><summary>{_summary()}</summary><div>{tail}</div></details>"
