"""No input makes the parser raise: random bytes, random headers, and real messages with bytes broken at random.

Each result must also be printable as UTF-8 JSON (no lone surrogates leak out of raw 8-bit headers) and keep
the raw message byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hotline.intake.mail import ParsedMail, parse_message
from hotline.intake.tests.mail_builders import b64, message, multipart, part, tnef

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "mail"

_SEEDS = [
    message("Привет".encode("cp1251"), content_type="text/plain; charset=windows-1251", subject=b"\xd1\xf7\xb8\xf2"),
    multipart(
        "alternative",
        [
            part("plain", "Content-Type: text/plain; charset=utf-8"),
            part("<p>html <img src='cid:a@b'></p>", "Content-Type: text/html; charset=koi8-r"),
        ],
    ),
    multipart(
        "mixed",
        [
            part("text", "Content-Type: text/plain"),
            part(message("inner", subject="=?utf-8?B?0J/RgNC40LLQtdGC?="), "Content-Type: message/rfc822"),
            part(
                b64(tnef([("a.txt", b"abc")])), "Content-Type: application/ms-tnef", "Content-Transfer-Encoding: base64"
            ),
            part(
                b64(b"x"),
                "Content-Type: image/png",
                "Content-Transfer-Encoding: base64",
                "Content-Disposition: attachment; filename*0*=utf-8''%D0%90; filename*1=b.png",
            ),
        ],
    ),
    multipart(
        "report",
        [
            part("bounce", "Content-Type: text/plain"),
            part("Final-Recipient: rfc822; a@b\r\nAction: failed\r\n", "Content-Type: message/delivery-status"),
        ],
        params="; report-type=delivery-status",
    ),
]
# Small corpus messages only: hypothesis mutates each example many times.
_CORPUS_SEEDS = (
    [p.read_bytes() for p in sorted(CORPUS.glob("*.box")) if p.stat().st_size < 16384] if CORPUS.is_dir() else []
)
SEEDS = _SEEDS + _CORPUS_SEEDS

HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Content-Type",
    "Content-Disposition",
    "Content-Transfer-Encoding",
    "Message-ID",
    "References",
    "In-Reply-To",
    "Date",
    "Auto-Submitted",
    "Precedence",
    "Content-ID",
]
_CHARSETS = ["utf-8", "koi8-r", "windows-1251", "utf-7", "iso-2022-jp", "x-unknown", "", "base64", "unicode-escape"]

_encoded_word = st.builds(
    lambda charset, kind, payload: f"=?{charset}?{kind}?{payload}?=",
    st.sampled_from(_CHARSETS),
    st.sampled_from(["B", "Q", "b", "x"]),
    st.text(alphabet="ABCDEFabcdef0123456789=_+/ ?", max_size=30),
)
_header_value = st.one_of(
    st.text(max_size=80),
    _encoded_word,
    st.lists(st.one_of(_encoded_word, st.text(max_size=10)), max_size=5).map(" ".join),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            'multipart/mixed; boundary="B"',
            "multipart/alternative",
            "message/rfc822",
            "text/html; charset*=utf-8''%FF",
            "attachment; filename*0*=x''%D0; filename*2=\"y\"",
            "<a@b> <c@d",
            '"unterminated <x@y',
            "(((nested comment",
            "undisclosed-recipients:;",
        ]
    ),
)


def _check(raw: bytes, parsed: ParsedMail) -> None:
    assert parsed.raw == raw
    json.dumps(parsed.as_dict(), ensure_ascii=False).encode("utf-8")
    assert isinstance(parsed.text, str)
    for attachment in parsed.attachments:
        assert attachment.filename
        assert "/" not in attachment.filename


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes(raw: bytes) -> None:
    _check(raw, parse_message(raw))


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(HEADER_NAMES), _header_value), max_size=12),
    st.binary(max_size=500),
    st.sampled_from(["\r\n", "\n", "\r"]),
)
def test_random_headers(headers: list[tuple[str, str]], body: bytes, newline: str) -> None:
    head = newline.join(f"{name}: {value}" for name, value in headers)
    raw = head.encode("utf-8", "surrogatepass") + (newline * 2).encode() + body
    _check(raw, parse_message(raw))


_mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none()),
)


def _mutate(raw: bytes, mutations: list[tuple[str, float, object]]) -> bytes:
    data = bytearray(raw)
    for kind, where, arg in mutations:
        if not data:
            break
        pos = min(int(where * len(data)), len(data) - 1)
        if kind == "flip" and isinstance(arg, int):
            data[pos] = arg
        elif kind == "cut" and isinstance(arg, int):
            del data[pos : pos + arg]
        elif kind == "insert" and isinstance(arg, bytes):
            data[pos:pos] = arg
        elif kind == "truncate":
            del data[pos:]
    return bytes(data)


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(_mutation, min_size=1, max_size=8))
def test_mutated_messages(seed: bytes, mutations: list[tuple[str, float, object]]) -> None:
    raw = _mutate(seed, mutations)
    _check(raw, parse_message(raw))
