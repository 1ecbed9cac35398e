"""Words, stems and snippets: the language side of search, the same for both databases.

PostgreSQL's ``russian`` configuration stems Cyrillic words with Snowball's Russian stemmer and Latin
ones with its English stemmer (``english_stem``), dropping each language's stop words. The SQLite index
is built from the stems this module makes with the same Snowball algorithms (PyStemmer) and the same
stop words, so «счётчика» and «счётчики» are both ``счетчик`` on either database, and «ё» is «е».

Snippets are cut and highlighted here too, from the stored text, so they read the same on both.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import threading
from typing import Any

import Stemmer  # type: ignore[import-not-found]  # PyStemmer ships no type hints

from hotline.knowledge.search import stopwords

# Letters and digits; «_» and punctuation separate words, as PostgreSQL's parser and FTS5's unicode61 do.
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")
MAX_QUERY_TERMS = 8
MAX_TERM_LENGTH = 64

_local = threading.local()


def _stemmer(language: str) -> Any:
    # PyStemmer's stemmers keep a cache and are not safe to share between threads.
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


def fold(text: str) -> str:
    """Lower case, «ё» as «е»: the form words are compared and looked up in."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of a text as typed (lower-cased), in order."""
    return _WORD.findall((text or "").lower())


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str | None:
    """The index form of one lower-cased word, or None for a stop word.

    Stop words are checked before «ё» is folded, as PostgreSQL does («всё» is kept, «все» is not).
    """
    if _CYRILLIC.search(word):
        if word in stopwords.RUSSIAN:
            return None
        return str(_stemmer("russian").stemWord(fold(word)))
    if _ASCII_LETTERS.match(word):
        if word in stopwords.ENGLISH:
            return None
        return str(_stemmer("english").stemWord(word))
    # Numbers, codes like «a4» and other scripts are kept as they are (PostgreSQL's «simple»).
    return fold(word)


def stems(text: str) -> str:
    """The text as space-separated stems: what the SQLite FTS5 table indexes."""
    result = []
    for word in words(text):
        stemmed = stem(word)
        if stemmed:
            result.append(stemmed)
    return " ".join(result)


@dataclasses.dataclass(frozen=True)
class Term:
    """One word of a query: its surface form, its stem, and whether it is a prefix still being typed."""

    word: str
    stem: str
    prefix: bool = False

    def matches(self, other_stem: str) -> bool:
        return other_stem.startswith(self.stem) if self.prefix else other_stem == self.stem


def parse_query(text: str, *, prefix_last: bool = False) -> list[Term]:
    """The searchable words of a query (stop words dropped, at most ``MAX_QUERY_TERMS``).

    With ``prefix_last`` the last word matches as a prefix, for search as you type: «счёт» finds
    «счётчик». Short unfinished words (under 3 letters) are left out rather than matching everything.
    """
    raw = [w[:MAX_TERM_LENGTH] for w in words(text)]
    finished = bool(text) and not text[-1].isalnum()
    terms: list[Term] = []
    seen: set[tuple[str, bool]] = set()
    for index, word in enumerate(raw):
        is_last = index == len(raw) - 1
        prefix = prefix_last and is_last and not finished
        if prefix and len(word) < 3:
            continue
        stemmed = stem(word)
        if not stemmed:
            continue
        key = (stemmed, prefix)
        if key in seen:
            continue
        seen.add(key)
        terms.append(Term(word=fold(word), stem=stemmed, prefix=prefix))
    return terms[:MAX_QUERY_TERMS]


def _window_end(text: str, start: int, width: int) -> int:
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return end


def highlight(text: str, terms: list[Term], *, width: int = 180) -> str:
    """An HTML-safe snippet of ``text`` around the first matching word, matches wrapped in <mark>.

    Words are matched by stem, so «счётчика» lights up for «счётчик». Without a match the snippet is
    the beginning of the text.
    """
    text = " ".join((text or "").split())
    if not text:
        return ""
    spans: list[tuple[int, int]] = []
    start, end = 0, _window_end(text, 0, width)
    for match in _WORD.finditer(text):
        if spans and match.start() >= end:
            break  # the window is full: the rest of a long body is never shown, so it is not stemmed
        word = match.group(0).lower()
        word_stem = stem(word) or fold(word)
        if any(term.matches(word_stem) for term in terms):
            if not spans:
                first = match.start()
                start = max(0, first - width // 3)
                if start > 0:
                    # Start at a word boundary, not in the middle of one.
                    space = text.find(" ", start)
                    start = space + 1 if 0 <= space < first else start
                end = _window_end(text, start, width)
            spans.append(match.span())
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces)
