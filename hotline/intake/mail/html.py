"""HTML mail bodies: clean text for search, quoting and notifications; sanitised HTML for display.

The text keeps what a reader sees — no markup, no styles or scripts, no link targets — with line breaks where
blocks end. The sanitised HTML (nh3) keeps ``cid:`` image links so the UI can point them at the attachments.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul", "caption", "option", "legend",
    }
)  # fmt: skip
_CELL = frozenset({"td", "th"})
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "xml", "object", "iframe", "svg", "select"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_SPACES = re.compile(r"[ \t\f\v\r\n\u200b\ufeff]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)

_ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby",
    "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "font": {"color"},
    "ol": {"start", "type"},
    "col": {"span"},
    "colgroup": {"span"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.pre = 0

    def _newline(self, count: int = 1) -> None:
        self.parts.append("\n" * count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            if tag not in _VOID:
                self.hidden += 1
            return
        if tag == "br":
            self._newline()
        elif tag == "pre":
            self.pre += 1
            self._newline()
        elif tag in _CELL:
            self.parts.append("\t")
        elif tag in _BLOCK:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._newline()
        elif tag in _BLOCK and tag not in _CELL:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self.parts.append(data.replace("\r\n", "\n").replace("\n", "\x00"))
        else:
            self.parts.append(_SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one line per block, whitespace collapsed as a browser would."""
    if not html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # html.parser gives up on some malformed declarations
        return _SPACES.sub(" ", re.sub(r"<[^>]*>", " ", html)).strip()
    raw = "".join(extractor.parts).replace("\xa0", " ")
    lines: list[str] = []
    for line in raw.split("\n"):
        if "\x00" in line:
            lines.extend(part.rstrip() for part in line.split("\x00"))
        else:
            lines.append(" ".join(line.split()))
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def sanitize_html(html: str) -> str:
    """HTML safe to show inside the agent UI: no scripts, styles, forms or remote-content tricks."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def declared_charset(html: bytes) -> str | None:
    """The charset an HTML document declares in its own <meta>, for parts whose MIME header does not."""
    match = _META_CHARSET.search(html[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def text_to_html(text: str) -> str:
    """Plain text as minimal HTML (for joining plain and HTML parts of one message)."""
    from html import escape

    return escape(text).replace("\n", "<br>\n")
