"""The e-mail parser on messages the way real senders break them: charsets, headers, MIME structure, noise."""

from __future__ import annotations

import datetime as dt
from email.parser import BytesParser

import pytest

from hotline.intake.mail import NO_VISIBLE_CONTENT, parse_message
from hotline.intake.mail import parser as parser_module
from hotline.intake.tests.mail_builders import b64, message, multipart, part, tnef

RUSSIAN = "Здравствуйте! Не работает счётчик горячей воды в квартире 15, прошу прислать мастера. С уважением, Иванов"
GERMAN = "Sehr geehrte Damen und Herren, die Übermittlung ist fehlgeschlagen. Grüße aus München, Jörg Müßig"


# ---------------------------------------------------------------- charsets of bodies


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("cp1251", "windows-1251"),
        ("cp1251", "iso-8859-1"),  # Outlook Express and 1C mailers declare Latin-1 for windows-1251 text
        ("cp1251", "koi8-r"),
        ("cp1251", None),
        ("cp1251", "utf-8"),
        ("koi8_r", "koi8-r"),
        ("koi8_r", "windows-1251"),
        ("koi8_r", None),
        ("koi8_r", "us-ascii"),
        ("cp866", None),
        ("cp866", "iso-8859-1"),
        ("utf-8", "windows-1251"),
        ("utf-8", None),
    ],
)
def test_russian_text_is_read_whatever_its_charset_says(encoding: str, declared: str | None) -> None:
    content_type = f"text/plain; charset={declared}" if declared else "text/plain"
    raw = message(RUSSIAN.encode(encoding), content_type=content_type, cte="8bit")

    parsed = parse_message(raw)

    assert parsed.text == RUSSIAN


def test_a_wrong_declaration_is_reported_to_the_agent() -> None:
    parsed = parse_message(message(RUSSIAN.encode("cp1251"), content_type="text/plain; charset=iso-8859-1"))

    assert parsed.text == RUSSIAN
    assert any("cp1251" in warning for warning in parsed.warnings)


@pytest.mark.parametrize(("encoding", "declared"), [("latin-1", "iso-8859-1"), ("cp1252", None), ("latin-1", None)])
def test_western_text_is_not_mistaken_for_cyrillic(encoding: str, declared: str | None) -> None:
    content_type = f"text/plain; charset={declared}" if declared else "text/plain"

    parsed = parse_message(message(GERMAN.encode(encoding), content_type=content_type, cte="8bit"))

    assert parsed.text == GERMAN


def test_utf7_body() -> None:
    raw = message("Привет, Übermittlung".encode("utf-7"), content_type="text/plain; charset=utf-7")

    assert parse_message(raw).text == "Привет, Übermittlung"


def test_iso_2022_jp_body_and_subject() -> None:
    body = "お問い合わせありがとうございます。".encode("iso2022_jp")
    subject = "=?ISO-2022-JP?B?" + b64("一覧をアップします".encode("iso2022_jp")).decode().strip() + "?="
    raw = message(body, content_type="text/plain; charset=ISO-2022-JP", cte="7bit", subject=subject)

    parsed = parse_message(raw)

    assert parsed.text == "お問い合わせありがとうございます。"
    assert parsed.subject == "一覧をアップします"


def test_unknown_charset_is_detected_and_reported() -> None:
    parsed = parse_message(message("Привет".encode(), content_type="text/plain; charset=x-no-such-charset"))

    assert parsed.text == "Привет"
    assert any("x-no-such-charset" in warning for warning in parsed.warnings)


def test_html_part_without_mime_charset_uses_its_meta_charset() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body><p>Счёт за январь</p></body></html>'
    parsed = parse_message(message(html.encode("cp1251"), content_type="text/html"))

    assert parsed.text == "Счёт за январь"


# ---------------------------------------------------------------- headers


def test_raw_8bit_windows_1251_headers_are_decoded() -> None:
    raw = message(
        "Текст".encode("cp1251"),
        content_type="text/plain; charset=windows-1251",
        subject="Счёт за отопление не пришёл".encode("cp1251"),
        sender='"Иванов Пётр" <petr@example.ru>'.encode("cp1251"),
    )

    parsed = parse_message(raw)

    assert parsed.subject == "Счёт за отопление не пришёл"
    assert parsed.from_display_name == "Иванов Пётр"
    assert parsed.from_email == "petr@example.ru"


def test_raw_8bit_koi8_subject() -> None:
    raw = message(b"text", subject="Не работает лифт в подъезде".encode("koi8_r"))

    assert parse_message(raw).subject == "Не работает лифт в подъезде"


def test_encoded_words_split_in_the_middle_of_a_character_are_joined() -> None:
    data = "Квитанция".encode()
    first, second = b64(data[:5]).decode().strip(), b64(data[5:]).decode().strip()
    subject = f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?= за март"

    assert parse_message(message(subject=subject)).subject == "Квитанция за март"


def test_q_encoded_words_with_underscores_and_literal_text() -> None:
    subject = "Re: =?koi8-r?Q?=F3=DE=C5=D4=DE=C9=CB_=D7=CF=C4=D9?= [HL-000123]"

    assert parse_message(message(subject=subject)).subject == "Re: Счетчик воды [HL-000123]"


def test_broken_encoded_words_are_decoded_leniently() -> None:
    # Whitespace inside the encoded text and sloppy base64 padding, both seen from real mailers.
    subject = "=?utf-8?Q?=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82 =D0=BC=D0=B8=D1=80?= =?UTF-8?B?0YHRh9C10YI==?="

    assert parse_message(message(subject=subject)).subject == "Привет мирсчет"


def test_encoded_display_name_with_a_comma_is_one_mailbox() -> None:
    sender = "=?utf-8?B?" + b64("Иванов, Иван".encode()).decode().strip() + "?= <ivan@example.ru>"

    parsed = parse_message(message(sender=sender))

    assert (parsed.from_email, parsed.from_display_name) == ("ivan@example.ru", "Иванов, Иван")


def test_recipient_lists() -> None:
    raw = message(
        headers={
            "Cc": '"Petrov, P." <p@example.ru>, sidorov@example.ru (Сидоров), undisclosed-recipients:;',
            "Reply-To": "Отдел продаж <sales@example.ru>",
        }
    )

    parsed = parse_message(raw)

    assert [(a.email, a.display_name) for a in parsed.cc] == [
        ("p@example.ru", "Petrov, P."),
        ("sidorov@example.ru", "Сидоров"),
    ]
    assert [(a.email, a.display_name) for a in parsed.to] == [("support@example.org", "Support")]
    assert parsed.reply_to[0].email == "sales@example.ru"


def test_quoted_local_part_is_kept() -> None:
    parsed = parse_message(message(sender='"Отдел продаж" <"sales dept"@example.ru>'))

    assert (parsed.from_email, parsed.from_display_name) == ('"sales dept"@example.ru', "Отдел продаж")
    assert parsed.warnings == []


def test_unparseable_sender_is_kept_verbatim_with_a_warning() -> None:
    parsed = parse_message(message(sender='"Lottery transfer"@example.com>'))

    assert parsed.from_email == '"Lottery transfer"@example.com>'
    assert parsed.warnings


def test_threading_ids_are_bare_and_ordered() -> None:
    raw = message(
        headers={
            "In-Reply-To": "<a1@example.org> (ticket)",
            "References": "<r1@example.org>,<r2@example.org>\r\n <a1@example.org> <r1@example.org>",
        }
    )

    parsed = parse_message(raw)

    assert parsed.message_id == "m1@example.com"
    assert parsed.in_reply_to == "a1@example.org"
    assert parsed.references == ["r1@example.org", "r2@example.org", "a1@example.org"]
    assert parsed.date == dt.datetime(2025, 1, 14, 7, 20, 30, tzinfo=dt.UTC)


def test_banner_before_headers_and_unindented_continuations_are_repaired() -> None:
    raw = (
        b"---- Original message ----\r\n"
        b"From: Client <client@example.ru>\r\n"
        b"Subject: Broken folding\r\n"
        b"Content-Type: multipart/alternative;\r\n"
        b'boundary="XYZ"\r\n'
        b"MIME-Version: 1.0\r\n\r\n"
        + "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст письма\r\n--XYZ--\r\n".encode()
    )

    parsed = parse_message(raw)

    assert (parsed.from_email, parsed.subject, parsed.text) == ("client@example.ru", "Broken folding", "Текст письма")


# ---------------------------------------------------------------- structure


def test_alternative_keeps_sanitised_html_and_its_text() -> None:
    raw = multipart(
        "alternative",
        [
            part("Hello world", "Content-Type: text/plain; charset=utf-8"),
            part(
                '<html><head><style>p {color: red}</style><title>T</title></head><body><p onclick="x()">'
                '<b>Hello</b> world</p><script>alert(1)</script><a href="javascript:alert(1)">link</a></body></html>',
                "Content-Type: text/html; charset=utf-8",
            ),
        ],
    )

    parsed = parse_message(raw)

    assert parsed.text == "Hello world\nlink"
    assert parsed.html is not None
    assert "<b>Hello</b> world" in parsed.html
    for unsafe in ("script", "onclick", "javascript:", "color: red", "<title>"):
        assert unsafe not in parsed.html


def test_related_images_stay_inline_with_their_content_id() -> None:
    image = b"\x89PNG\r\n\x1a\nfake"
    raw = multipart(
        "related",
        [
            part('<p>Logo: <img src="cid:logo@x"></p>', "Content-Type: text/html; charset=utf-8"),
            part(b64(image), "Content-Type: image/png", "Content-Transfer-Encoding: base64", "Content-ID: <logo@x>"),
        ],
    )

    parsed = parse_message(raw)

    (logo,) = parsed.attachments
    assert (logo.filename, logo.content_type, logo.content, logo.content_id, logo.inline) == (
        "image.png",
        "image/png",
        image,
        "logo@x",
        True,
    )
    assert 'src="cid:logo@x"' in (parsed.html or "")


def test_images_between_text_parts_are_shown_in_place() -> None:
    # Apple Mail: text, an inline picture, more text, all in multipart/mixed without any HTML part.
    raw = multipart(
        "mixed",
        [
            part("Before", "Content-Type: text/plain"),
            part(
                b64(b"GIF89a"),
                "Content-Type: image/gif",
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: inline; filename="photo.gif"',
            ),
            part("After", "Content-Type: text/plain"),
        ],
    )

    parsed = parse_message(raw)

    assert parsed.text == "Before\n\nAfter"
    (photo,) = parsed.attachments
    assert photo.filename == "photo.gif"
    assert photo.inline
    html = parsed.html or ""
    assert html.index("Before") < html.index(f"cid:{photo.content_id}") < html.index("After")


def test_attachment_names_rfc2231_rfc2047_and_raw_8bit() -> None:
    raw = multipart(
        "mixed",
        [
            part("See attached", "Content-Type: text/plain"),
            part(
                b64(b"%PDF-1"),
                "Content-Type: application/pdf",
                "Content-Transfer-Encoding: base64",
                "Content-Disposition: attachment; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%961.pdf",
            ),
            part(
                b64(b"x"),
                "Content-Type: application/vnd.ms-excel;\r\n name*0*=utf-8''%D0%90%D0%BA%D1%82%20;\r\n name*1=2025.xls",
                "Content-Transfer-Encoding: base64",
            ),
            part(
                b64(b"doc"),
                'Content-Type: application/msword; name="=?windows-1251?B?'
                + b64("Договор.doc".encode("cp1251")).decode().strip()
                + '?="',
                "Content-Transfer-Encoding: base64",
                "Content-Disposition: attachment",
            ),
            part(
                b64(b"txt"),
                b"Content-Type: text/plain",
                b"Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="Заявка.txt"'.encode("cp1251"),
            ),
            part(
                b64(b"evil"),
                "Content-Type: application/octet-stream",
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="../../etc/passwd"',
            ),
        ],
    )

    parsed = parse_message(raw)

    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("Счёт №1.pdf", "application/pdf", 6),
        ("Акт 2025.xls", "application/vnd.ms-excel", 1),
        ("Договор.doc", "application/msword", 3),
        ("Заявка.txt", "text/plain", 3),
        ("passwd", "application/octet-stream", 4),
    ]
    assert parsed.text == "See attached"


def test_same_file_names_are_made_unique() -> None:
    files = [
        part(
            b64(b"a"),
            "Content-Type: image/png",
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="scan.png"',
        )
        for _ in range(3)
    ]
    parsed = parse_message(multipart("mixed", [part("x", "Content-Type: text/plain"), *files]))

    assert [a.filename for a in parsed.attachments] == ["scan.png", "scan1.png", "scan2.png"]


def test_forwarded_message_is_attached_and_its_text_shown() -> None:
    inner = message("Прошу починить домофон", subject="=?utf-8?B?" + b64("Домофон".encode()).decode().strip() + "?=")
    raw = multipart(
        "mixed",
        [
            part("Пересылаю жалобу жильца", "Content-Type: text/plain; charset=utf-8"),
            part(inner, "Content-Type: message/rfc822", "Content-Disposition: attachment"),
        ],
    )

    parsed = parse_message(raw)

    (eml,) = parsed.attachments
    assert (eml.filename, eml.content_type) == ("Домофон.eml", "message/rfc822")
    assert parse_message(eml.content).text == "Прошу починить домофон"
    assert parsed.text.startswith("Пересылаю жалобу жильца")
    assert "Тема: Домофон" in parsed.text
    assert parsed.text.endswith("Прошу починить домофон")


def test_signed_mail_shows_the_signed_content() -> None:
    signed = multipart(
        "signed",
        [
            part("Подписанный текст", "Content-Type: text/plain; charset=utf-8"),
            part(
                "-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----",
                "Content-Type: application/pgp-signature; name=signature.asc",
            ),
        ],
        params='; protocol="application/pgp-signature"; micalg=pgp-sha256',
    )

    parsed = parse_message(signed)

    assert parsed.text == "Подписанный текст"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("signature.asc", "application/pgp-signature")
    ]


def test_delivery_status_notification() -> None:
    raw = multipart(
        "report",
        [
            part("Your message could not be delivered.", "Content-Type: text/plain"),
            part(
                "Reporting-MTA: dns; mx.example.org\r\n\r\n"
                "Final-Recipient: rfc822; gone@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
                "Final-Recipient: rfc822; slow@example.ru\r\nAction: delayed\r\nStatus: 4.4.1\r\n",
                "Content-Type: message/delivery-status",
            ),
            part(message("Оригинал", subject="Ваша заявка"), "Content-Type: message/rfc822"),
        ],
        params="; report-type=delivery-status",
        headers={"Auto-Submitted": "auto-replied"},
    )

    parsed = parse_message(raw)

    assert parsed.auto_submitted
    assert parsed.bounce
    assert parsed.failed_recipients == ["gone@example.ru"]
    assert parsed.text == "Your message could not be delivered."  # the returned message is not the bounce's text
    assert [a.filename for a in parsed.attachments] == ["delivery-status.txt", "Ваша заявка.eml"]


def test_winmail_dat_files_are_extracted() -> None:
    data = tnef([("report.pdf", b"%PDF-1.4 report"), ("photo.jpg", b"\xff\xd8\xff")])
    raw = multipart(
        "mixed",
        [
            part("See attached", "Content-Type: text/plain"),
            part(
                b64(data),
                'Content-Type: application/ms-tnef; name="winmail.dat"',
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="winmail.dat"',
            ),
        ],
    )

    parsed = parse_message(raw)

    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("winmail.dat", "application/ms-tnef", data),
        ("report.pdf", "application/pdf", b"%PDF-1.4 report"),
        ("photo.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ]


def test_broken_winmail_dat_is_kept_as_it_is() -> None:
    data = tnef([("report.pdf", b"%PDF-1.4 report")])[:40]
    raw = multipart(
        "mixed",
        [part(b64(data), "Content-Type: application/ms-tnef", "Content-Transfer-Encoding: base64")],
    )

    parsed = parse_message(raw)

    first = parsed.attachments[0]
    assert (first.filename, first.content) == ("file", data)


def test_uuencoded_attachment() -> None:
    raw = multipart(
        "mixed",
        [
            part("Attached", "Content-Type: text/plain"),
            part(
                "begin 644 notes.txt\r\n%:&5L;&\\`\r\n`\r\nend\r\n",
                'Content-Type: text/plain; name="notes.txt"',
                "Content-Transfer-Encoding: x-uuencode",
            ),
        ],
    )

    parsed = parse_message(raw)

    assert [(a.filename, a.content) for a in parsed.attachments] == [("notes.txt", b"hello")]


def test_files_uuencoded_into_the_text_are_extracted() -> None:
    raw = message("Смотрите файл.\r\n\r\nbegin 644 notes.txt\r\n%:&5L;&\\`\r\n`\r\nend\r\n\r\nИванов")

    parsed = parse_message(raw)

    assert parsed.text == "Смотрите файл.\n\nИванов"
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("notes.txt", "text/plain", b"hello")
    ]


def test_meeting_invitation_alternative_is_an_attachment() -> None:
    raw = multipart(
        "alternative",
        [
            part("Встреча в 10:00", "Content-Type: text/plain; charset=utf-8"),
            part("BEGIN:VCALENDAR\r\nEND:VCALENDAR", "Content-Type: text/calendar; method=REQUEST"),
        ],
    )

    parsed = parse_message(raw)

    assert parsed.text == "Встреча в 10:00"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("calendar.ics", "text/calendar")]


def test_message_with_only_an_attachment_has_no_visible_text() -> None:
    raw = message(b64(b"%PDF"), content_type='application/pdf; name="scan.pdf"', cte="base64")

    parsed = parse_message(raw)

    assert (parsed.text, parsed.has_text, parsed.html) == (NO_VISIBLE_CONTENT, False, None)
    assert [a.filename for a in parsed.attachments] == ["scan.pdf"]


def test_format_flowed_is_unwrapped() -> None:
    raw = message(
        "Это длинная строка, \r\nперенесённая клиентом.\r\n\r\n-- \r\nПодпись",
        content_type="text/plain; charset=utf-8; format=flowed",
    )

    assert parse_message(raw).text == "Это длинная строка, перенесённая клиентом.\n\n-- \nПодпись"


# ---------------------------------------------------------------- machine-written mail


@pytest.mark.parametrize(
    ("headers", "subject", "expected"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Заявка", True),
        ({"Auto-Submitted": "no"}, "Re: Заявка", False),
        ({"X-Autoreply": "yes"}, "Re: Заявка", True),
        ({"X-Autorespond": "Out of office"}, "Re: Заявка", True),
        ({"Precedence": "bulk"}, "Новости", True),
        ({"Precedence": "junk"}, "Новости", True),
        ({"Precedence": "auto_reply"}, "Re: Заявка", True),
        ({"Precedence": "list"}, "Обсуждение", False),
        ({}, "Автоответ: Re: Заявка [HL-000123]", True),
        ({}, "Нет на месте до 20 января", True),
        ({}, "Out of Office: Ticket", True),
        ({}, "Automatic reply: Ticket", True),
        ({}, "Re: Нет воды", False),
        ({}, "Вопрос по автоответчику", False),
    ],
)
def test_auto_replies_are_recognised(headers: dict[str, str], subject: str, expected: bool) -> None:
    subject_header = "=?utf-8?B?" + b64(subject.encode()).decode().strip() + "?="

    parsed = parse_message(message(headers=headers, subject=subject_header))

    assert parsed.auto_submitted is expected
    assert parsed.bounce is False


def test_mailer_daemon_bounce_without_dsn() -> None:
    raw = message(
        "The following address failed: gone@example.ru",
        sender="MAILER-DAEMON@mx.example.org (Mail Delivery System)",
        subject="Undelivered Mail Returned to Sender",
    )

    parsed = parse_message(raw)

    assert (parsed.auto_submitted, parsed.bounce) == (True, True)


# ---------------------------------------------------------------- never an exception


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff" * 50, b"not an e-mail at all", b"From: \r\n\r\n", b"Content-Type: multipart/mixed\r\n\r\n--"],
)
def test_garbage_comes_back_as_a_result(raw: bytes) -> None:
    parsed = parse_message(raw)

    assert parsed.raw == raw
    assert parsed.text


def test_modern_policy_failure_falls_back_to_compat32(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise IndexError("the modern header parser gave up")

    monkeypatch.setattr(parser_module, "_parse_header", broken)
    raw = message("Текст".encode(), subject="=?utf-8?B?" + b64("Тема".encode()).decode().strip() + "?=")

    parsed = parse_message(raw)

    assert (parsed.subject, parsed.text, parsed.parsed) == ("Тема", "Текст", True)
    assert "IndexError" in parsed.warnings[0]


def test_total_failure_keeps_the_raw_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: object, raw: bytes) -> None:
        raise RecursionError("too deep")

    monkeypatch.setattr(BytesParser, "parsebytes", broken)
    raw = message("Текст".encode())

    parsed = parse_message(raw)

    assert parsed.parsed is False
    assert parsed.raw == raw
    assert "RecursionError" in parsed.warnings[0]
    assert "Текст" in parsed.text
