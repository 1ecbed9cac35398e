"""Every real-world message in ``../shared/corpus/mail`` parses to its expected sender, subject, text and files.

Comparison rules (the corpus README): ``from_email``, ``from_display_name`` and ``subject`` exactly;
``body_text`` must be contained in the parsed text up to whitespace (the corpus text was made by replacing every
tag with a space, so whitespace is ignored altogether; Unicode is compared in NFC, and the angle brackets that
HTML 4 and HTML 5 map ``&lang;``/``&rang;`` to are one character); each expected attachment (file name and MIME
type) must be among the parsed attachments.

The corpus was recorded with Zammad's parser. Where its recorded value is that parser's own mis-decoding, the
test asserts the correct reading instead — ``ERRATA`` lists each case and why — and checks that the erratum still
differs from the corpus, so a corrected corpus shows up here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hotline.intake.mail import NO_VISIBLE_CONTENT, parse_message

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "mail"
MESSAGES = sorted(p.stem for p in CORPUS.glob("*.box")) if CORPUS.is_dir() else []

ERRATA: dict[str, dict[str, Any]] = {
    # Body and Subject are declared "unicode-1-1-utf-7" (RFC 1642: UTF-7's first name); the reference parser did
    # not know the label and left "+APw-" undecoded.
    "mail018": {
        "subject": "Benachrichtung  \tzum  \tÜbermittlungsstatus  \t(Fehlgeschlagen)",
        "body_text": "Dies ist eine automatisch erstellte Benachrichtigung über den Zustellstatus. "
        "Übermittlung an folgende Empfänger fehlgeschlagen. m.smith@example.com",
    },
    # The display name is raw 8-bit GB2312, like the Subject the corpus itself expects decoded as GB2312
    # («转发：整体提升企业服务水平»); the reference read the name as windows-1250 («ÎäŔźłÉ»).
    "mail046": {"from_display_name": "武兰成"},
    # "boundary=…" of Content-Type sits on an unindented line; read as the continuation it is, the message has
    # its text (the reference dropped the line and with it the whole MIME body).
    "mail054": {"body_text": "some text"},
    # UTF-8 text with a few stray Latin-1 bytes; the reference read all of it as windows-1250.
    "mail060": {"body_text": "Here it goes - äöü - 差出人Here it goes - äöü - hi \xad"},
    # windows-1258: 0xEC and 0xCC are combining accents (é, à on macOS); the reference read them as windows-1252.
    "mail064": {"attachments": [{"filename": "Capture d’écran 2017-12-27 à 12.22.38.jpg", "mime_type": "image/jpg"}]},
    # windows-1258 again: 0xE0 is «à», 0xFB «û», 0x92 «’»; the reference read windows-1250 («ŕ», «ű», U+0092).
    "mail072": {
        "body_text": "Bonjour, Je vous contacte suite à ma commande du 14 août 2018 référencée ci-dessus. "
        "Je vous remercie d’avance. Cordialement, Valérie Smith me@example.com XXXX S.à r.l. 12, Somewhere"
    },
}

_SAME_CHARACTER = str.maketrans({"\u2329": "\u27e8", "\u3008": "\u27e8", "\u232a": "\u27e9", "\u3009": "\u27e9"})


def _comparable(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text)).translate(_SAME_CHARACTER)


def _expected(name: str) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    return {**expected, **ERRATA.get(name, {})}


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the mail corpus is not at {CORPUS} (it lives in ../shared/corpus/mail beside the project)")
    return CORPUS


@pytest.mark.parametrize("name", MESSAGES or ["(corpus missing)"])
def test_corpus_message_parses_to_expected_values(corpus: Path, name: str) -> None:
    expected = _expected(name)
    parsed = parse_message((corpus / f"{name}.box").read_bytes())

    assert parsed.parsed
    assert parsed.from_email == expected["from_email"]
    assert parsed.from_display_name == expected["from_display_name"]
    assert parsed.subject == expected["subject"]
    assert _comparable(expected["body_text"]) in _comparable(parsed.text)
    if expected["body_text"] == NO_VISIBLE_CONTENT:
        assert not parsed.has_text
    got = {(a.filename, a.content_type) for a in parsed.attachments}
    for attachment in expected["attachments"]:
        assert (attachment["filename"], attachment["mime_type"]) in got


@pytest.mark.parametrize("name", sorted(ERRATA))
def test_corpus_errata_still_differ_from_the_corpus(corpus: Path, name: str) -> None:
    recorded = json.loads((corpus / f"{name}.json").read_text(encoding="utf-8"))
    for field, value in ERRATA[name].items():
        assert recorded[field] != value, f"{name}.{field} is fixed in the corpus: remove the erratum"


def test_corpus_message_html_keeps_inline_images_in_place(corpus: Path) -> None:
    # mail010: Outlook HTML with an embedded logo referenced as cid:image001.jpg@…
    parsed = parse_message((corpus / "mail010.box").read_bytes())

    (logo,) = parsed.attachments
    assert logo.inline
    assert f'src="cid:{logo.content_id}"' in (parsed.html or "")


def test_corpus_bounce_is_machine_written_and_names_the_failed_recipient(corpus: Path) -> None:
    parsed = parse_message((corpus / "mail092.box").read_bytes())

    assert parsed.auto_submitted
    assert parsed.bounce
    assert parsed.failed_recipients == ["receiver@example.org"]
