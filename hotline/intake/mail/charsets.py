"""Bytes → text for mail bodies and headers: the declared charset first, then detection — never a blind UTF-8.

Real mail lies about its charset: Russian text arrives as raw windows-1251 declared ``iso-8859-1``, as KOI8-R
declared ``windows-1251``, with no declaration at all, or as a mix of UTF-8 and Latin-1 in one part. The order:

1. the declared charset, strictly (with the aliases mail clients really write: ``iso-gb2312``, ``ks_c_5601-1987``,
   ``unicode-1-1-utf-7``, …), but valid multi-byte UTF-8 wins over a single-byte declaration, and a single-byte
   declaration that turns Russian into accented Latin is overridden by the Cyrillic check;
2. UTF-8, strictly; then "mostly UTF-8" with stray single bytes read as windows-1252;
3. a Cyrillic-aware choice between windows-1251, KOI8-R and CP866 by Russian letter frequencies
   (general detectors take short KOI8-R for Shift-JIS);
4. charset-normalizer;
5. the declared charset or windows-1252 with replacement characters, and a warning.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

# Labels seen in real mail that Python does not know, or knows as a narrower charset than senders mean.
_ALIASES: dict[str, str] = {
    "unicode-1-1-utf-7": "utf-7",
    "unicode-2-0-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "utf7": "utf-7",
    "x-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-2-0-utf-8": "utf-8",
    # GB2312 mail is routinely GBK; GB18030 is the superset of both.
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "big5": "cp950",
    "x-x-big5": "cp950",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "win-1251": "cp1251",
    "cp-1251": "cp1251",
    "x-cp1251": "cp1251",
    "windows1251": "cp1251",
    "win1251": "cp1251",
    "koi8r": "koi8_r",
    "koi8": "koi8_r",
    "ibm866": "cp866",
    "csibm866": "cp866",
    "866": "cp866",
    "dos-866": "cp866",
    # WHATWG practice: these labels are windows-1252 in the wild (curly quotes in "ISO-8859-1" Outlook mail).
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
}
# Labels that mean "we do not know": treated as no declaration at all.
_UNKNOWN_LABELS = frozenset(
    {"", "unknown", "unknown-8bit", "x-unknown", "x-user-defined", "default", "8bit", "7bit", "binary", "none", "auto"}
)
# Codecs Python would happily run on a label but which are not charsets of text.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "mbcs", "oem"})

# ISO-2022-JP in the wild carries JIS X 0201 kana and NEC extensions; try the wider variants in turn.
_FALLBACK_CHAINS: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3"),
    "cp1252": ("cp1252",),
}

_SINGLE_BYTE = frozenset(
    {
        "cp1252",
        "latin_1",
        "iso8859_15",
        "iso8859_2",
        "cp1250",
        "cp1251",
        "koi8_r",
        "koi8_u",
        "cp866",
        "iso8859_5",
        "mac_cyrillic",
        "cp1258",
        "cp1257",
        "cp1254",
    }
)
_CYRILLIC_CANDIDATES = ("cp1251", "koi8_r", "cp866")
_CYRILLIC_DECLARED = frozenset({"cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "mac_cyrillic"})
_SAMPLE = 16384
_SCORE_SAMPLE = 4096

# Letter frequencies of Russian text, per cent (lower case); Ukrainian letters get a modest share.
_RU_FREQ = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73, "в": 4.54,
    "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74,
    "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64,
    "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
    "і": 0.5, "ї": 0.1, "є": 0.1, "ґ": 0.02, "ў": 0.02,
}  # fmt: skip
_RU_LOG = {ch: math.log(p / 100) for ch, p in _RU_FREQ.items()}
_RARE_LOG = math.log(0.0001)
# Non-letters that belong in Russian text and say nothing about the charset.
_NEUTRAL = frozenset("«»—–…№“”„‘’•·°©®™€")


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    warning: str | None = None


def _register_fallback_handler() -> None:
    def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        chunk = exc.object[exc.start : exc.end]
        return chunk.decode("cp1252", errors="hotline-latin1"), exc.end

    def _latin1_bytes(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        return exc.object[exc.start : exc.end].decode("latin-1"), exc.end

    codecs.register_error("hotline-latin1", _latin1_bytes)
    codecs.register_error("hotline-cp1252", _cp1252_bytes)


_register_fallback_handler()


@lru_cache(maxsize=512)
def resolve_charset(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is missing, unknown or not a text charset."""
    if label is None:
        return None
    name = label.strip().strip("\"'").strip().lower()
    # RFC 2231 allows a language after '*': "utf-8*ru".
    name = name.split("*", 1)[0]
    if name in _UNKNOWN_LABELS:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _ALIASES.get(info.name, info.name).replace("-", "_") if info.name != "utf-8" else "utf-8"


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data`` whose MIME label is ``declared`` (may be None, wrong or unknown). Never raises."""
    if not data:
        return Decoded("", resolve_charset(declared) or "ascii")
    codec = resolve_charset(declared)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_utf8_lenient(data[3:]) or Decoded(data[3:].decode("utf-8", "replace"), "utf-8")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and (codec is None or codec.startswith("utf_16")):
        return Decoded(data.decode("utf-16", "replace"), "utf-16")
    if data.isascii() and (codec is None or not _is_stateful(codec)):
        return Decoded(data.decode("ascii"), "ascii")

    warning: str | None = None
    if codec is not None:
        decoded = _decode_declared(data, codec)
        if decoded is not None:
            return decoded
        warning = _("Кодировка «%(label)s» не подошла к тексту; кодировка определена автоматически.") % {
            "label": declared
        }
    elif declared and declared.strip().strip("\"'").lower() not in _UNKNOWN_LABELS:
        warning = _("Неизвестная кодировка «%(label)s»; кодировка определена автоматически.") % {"label": declared}

    detected = detect_and_decode(data, fallback=codec)
    if warning and detected.warning is None:
        return Decoded(detected.text, detected.charset, warning)
    return detected


def _is_stateful(codec: str) -> bool:
    # These encode non-ASCII text in pure 7-bit bytes, so "all bytes are ASCII" proves nothing.
    return codec.startswith(("utf_7", "iso2022", "utf_16", "utf_32", "hz"))


def _decode_declared(data: bytes, codec: str) -> Decoded | None:
    if codec in _SINGLE_BYTE or codec.startswith(("iso8859", "cp12")):
        # Valid multi-byte UTF-8 is never an accident in single-byte text: the declaration is stale.
        utf8 = _strict(data, "utf-8")
        if utf8 is not None:
            return Decoded(utf8, "utf-8")
        errors = "hotline-latin1" if codec == "cp1252" else "strict"
        text = _strict(data, codec, errors=errors)
        if text is None:
            return None
        better = _cyrillic_override(data, text, codec)
        return better or Decoded(text, codec)
    for candidate in _FALLBACK_CHAINS.get(codec, (codec,)):
        text = _strict(data, candidate)
        if text is not None:
            return Decoded(text, candidate)
    return None


def _strict(data: bytes, codec: str, errors: str = "strict") -> str | None:
    try:
        return data.decode(codec, errors=errors)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_and_decode(data: bytes, *, fallback: str | None = None) -> Decoded:
    """Detect the charset of undeclared (or wrongly declared) bytes and decode them. Never raises."""
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    mostly = _decode_utf8_lenient(data)
    if mostly is not None:
        return mostly
    cyrillic = best_cyrillic(data)
    if cyrillic is not None:
        return cyrillic
    western = data.decode("cp1252", errors="hotline-latin1")
    if _looks_western(western[:_SAMPLE]):
        return Decoded(western, "cp1252")
    detected = _charset_normalizer(data)
    if detected is not None:
        return detected
    codec = fallback or "cp1252"
    errors = "hotline-latin1" if codec == "cp1252" else "replace"
    try:
        text = data.decode(codec, errors=errors)
    except LookupError:
        codec, text = "cp1252", data.decode("cp1252", errors="hotline-latin1")
    return Decoded(text, codec, _("Кодировку текста определить не удалось; часть символов может быть искажена."))


def _decode_utf8_lenient(data: bytes) -> Decoded | None:
    """UTF-8 with a few stray single-byte characters (a Latin-1 «ä» pasted into UTF-8 text)."""
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    replaced = data[: _SAMPLE * 4].decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd")
    valid_multibyte = len(replaced) - len(replaced.encode("ascii", errors="ignore")) - invalid
    if valid_multibyte == 0 or invalid > valid_multibyte:
        return None
    return Decoded(data.decode("utf-8", errors="hotline-cp1252"), "utf-8")


_CASE_BREAK = re.compile(r"[а-яёіїєґў][А-ЯЁІЇЄҐЎ]")
_MIXED_SCRIPT = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class _Score:
    score: float  # mean log-probability of the letters as Russian, minus penalties; higher is better
    share: float  # Cyrillic letters among the non-ASCII characters
    letters: int


def _cyrillic_score(text: str) -> _Score:
    counts = Counter(ch for ch in text if ch >= "\x80")
    nonascii = sum(counts.values())
    letters = bad = 0
    loglik = 0.0
    for ch, n in counts.items():
        if "\u0400" <= ch <= "\u04ff":
            letters += n
            loglik += n * _RU_LOG.get(ch.lower(), _RARE_LOG)
        elif ch not in _NEUTRAL:
            bad += n
    if letters == 0:
        return _Score(-100.0, 0.0, 0)
    # A wrong single-byte reading breaks words: "пРИВЕТ" (case flipped), "fьr" (Cyrillic inside Latin words).
    breaks = len(_CASE_BREAK.findall(text))
    mixed = len(_MIXED_SCRIPT.findall(text))
    score = loglik / letters - 6.0 * bad / nonascii - 4.0 * breaks / letters - 4.0 * mixed / letters
    return _Score(score, letters / nonascii, letters)


@dataclass(frozen=True)
class _Candidate:
    codec: str
    score: _Score


def _cyrillic_candidates(data: bytes) -> list[_Candidate]:
    sample = data[:_SCORE_SAMPLE]
    out = [_Candidate(codec, _cyrillic_score(sample.decode(codec, errors="replace"))) for codec in _CYRILLIC_CANDIDATES]
    out.sort(key=lambda c: c.score.score, reverse=True)
    return out


# Mean log-probability of Russian text is about -3.3; letters permuted by a wrong charset score about -4.5.
# Short strings (a subject, a name) say less, so they are held to a looser bar.
def _is_russian(score: _Score) -> bool:
    bar = -4.1 if score.letters >= 40 else -5.0
    return score.share >= 0.9 and score.score >= bar


def best_cyrillic(data: bytes) -> Decoded | None:
    """The windows-1251 / KOI8-R / CP866 reading of ``data`` when one of them is clearly Russian text."""
    best = _cyrillic_candidates(data)[0]
    if not _is_russian(best.score):
        return None
    return Decoded(data.decode(best.codec, errors="replace"), best.codec)


def _cyrillic_override(data: bytes, text: str, codec: str) -> Decoded | None:
    """A better Cyrillic reading of single-byte text whose declared charset makes it gibberish."""
    if codec in _CYRILLIC_DECLARED:
        own = _cyrillic_score(text[:_SCORE_SAMPLE])
        if own.share >= 0.9 and own.score >= -3.9:
            return None  # reads as Russian already: the common case, decided without trying the others
        best = _cyrillic_candidates(data)[0]
        if best.codec == codec or not _is_russian(best.score):
            return None
        # The sender's declaration wins unless another reading is clearly better; more so for short text.
        if own.share >= 0.5 and best.score.score < own.score + 0.3 + 3.0 / max(best.score.letters, 1):
            return None
    else:
        if not _looks_like_misread_cyrillic(text[:_SCORE_SAMPLE]):
            return None
        best = _cyrillic_candidates(data)[0]
        if not _is_russian(best.score):
            return None
    return Decoded(
        data.decode(best.codec, errors="replace"),
        best.codec,
        _("Текст объявлен в кодировке %(declared)s, но написан в %(used)s; прочитан как %(used)s.")
        % {"declared": codec, "used": best.codec},
    )


def _looks_western(text: str) -> bool:
    # German, French, Spanish…: an accented letter or two inside Latin words, never long runs of them.
    total = in_runs = 0
    for match in _NON_ASCII_RUN.finditer(text):
        size = match.end() - match.start()
        total += size
        if size >= 3:
            in_runs += size
        if any("\x80" <= ch <= "\x9f" for ch in match.group()):
            return False
    return total > 0 and in_runs <= total * 0.1


def _looks_like_misread_cyrillic(text: str) -> bool:
    # Western languages put an accented letter here and there; Russian read as Latin-1 is runs of them.
    total = in_runs = 0
    for match in _NON_ASCII_RUN.finditer(text):
        size = match.end() - match.start()
        total += size
        if size >= 3:
            in_runs += size
    return total >= 3 and in_runs >= total * 0.5


def _charset_normalizer(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data[: _SAMPLE * 2]).best()
    except (ValueError, LookupError, TypeError):
        return None
    if best is None:
        return None
    codec = resolve_charset(best.encoding) or best.encoding
    try:
        text = data.decode(codec, errors="replace")
    except LookupError:
        return None
    if text.count("\ufffd") > max(2, len(text) // 50):
        return None
    return Decoded(text, codec)
