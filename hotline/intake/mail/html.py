"""HTML mail bodies: clean text for search, quoting and notifications; sanitised HTML for display.

Both go through nh3 (html5ever, the parser browsers use, so broken mail HTML is read the way a mail client
reads it). The text keeps what a reader sees — no markup, styles, scripts or link targets — with a line break
where a block ends. The sanitised HTML keeps ``cid:`` image links so the UI can point them at the attachments.
"""

from __future__ import annotations

import re
from html import escape, unescape

import nh3

# Tags kept long enough to place line breaks; everything else is unwrapped to its text.
_TEXT_STRUCTURE = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
}  # fmt: skip
_INVISIBLE = {"script", "style", "title", "head", "template", "noscript", "select", "object", "iframe", "svg"}
_TEXT_CLEANER = nh3.Cleaner(
    tags=_TEXT_STRUCTURE, clean_content_tags=_INVISIBLE, attributes={}, strip_comments=True, link_rel=None
)

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
_DISPLAY_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_INVISIBLE,
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel", "cid"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)

_PRE = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_CELL = re.compile(r"<t[dh]>")
_BREAK = re.compile(r"<br>|</?(?:" + "|".join(sorted(_TEXT_STRUCTURE - {"br"})) + r")>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
# Elements whose end tag may be left out close themselves, so they do not deepen the tree.
_SELF_CLOSING = (
    "p|li|td|th|tr|dt|dd|option|optgroup|tbody|thead|tfoot|colgroup|caption|rb|rt|rp|html|head|body|"
    "br|img|hr|meta|input|link|wbr|col|area|base|source|embed|param|track|keygen|!"
)
_OPEN_TAG = re.compile(r"<(?!/|(?:" + _SELF_CLOSING + r")\b)[A-Za-z]")
_CLOSE_TAG = re.compile(r"</(?!(?:" + _SELF_CLOSING + r")\b)[A-Za-z]")
_MAX_OPEN = 2000
_INVISIBLE_BLOCK = re.compile(r"<(script|style|title|head)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_BREAK_LOOSE = re.compile(r"<(?:br|/?(?:p|div|tr|li|h[1-6]|table|blockquote|pre|ul|ol|dl|dt|dd|hr))\b[^>]*>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def _too_deep(html: str) -> bool:
    # html5ever's work grows with the depth of open elements: 100 000 unclosed <div>s take minutes. Real mail
    # nests a few dozen deep; a body that leaves thousands of elements open is read as plain tag-stripped text.
    opened = len(_OPEN_TAG.findall(html))
    if opened < _MAX_OPEN:
        return False
    return opened - len(_CLOSE_TAG.findall(html)) > _MAX_OPEN


def _strip_tags(html: str) -> str:
    text = _INVISIBLE_BLOCK.sub(" ", html)
    text = _BREAK_LOOSE.sub("\n", text)
    text = unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one line per block, whitespace collapsed as a browser would."""
    if not html:
        return ""
    if _too_deep(html):
        return _strip_tags(html)
    cleaned = _TEXT_CLEANER.clean(html)
    pieces = []
    for index, piece in enumerate(_PRE.split(cleaned)):
        if index % 2:  # inside <pre>: the sender's own line breaks and spacing
            pieces.append("\n" + unescape(_TAG.sub("", piece)) + "\n")
            continue
        piece = _SPACES.sub(" ", piece)
        piece = _CELL.sub(" ", piece)
        piece = _BREAK.sub("\n", piece)
        pieces.append(unescape(_TAG.sub("", piece)))
    text = "".join(pieces).replace("\xa0", " ")
    lines = [line.strip(" ") for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def sanitize_html(html: str) -> str:
    """HTML safe to show inside the agent UI: no scripts, styles, forms, event handlers or foreign schemes."""
    if not html:
        return ""
    if _too_deep(html):
        return "<div>" + text_to_html(_strip_tags(html)) + "</div>"
    return _DISPLAY_CLEANER.clean(html)


def declared_charset(html: bytes) -> str | None:
    """The charset an HTML document declares in its own <meta>, for parts whose MIME header does not."""
    match = _META_CHARSET.search(html[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def text_to_html(text: str) -> str:
    """Plain text as minimal HTML, for a body that mixes plain and HTML parts."""
    return escape(text).replace("\n", "<br>\n")
