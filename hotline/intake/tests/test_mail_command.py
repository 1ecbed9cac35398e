"""``hotline mail parse FILE``: the parser's result for one raw message, as JSON on stdout."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.intake.tests.mail_builders import b64, message, multipart, part

REQUIRED_KEYS = {
    "from_email",
    "from_display_name",
    "subject",
    "text",
    "html",
    "attachments",
    "message_id",
    "in_reply_to",
    "references",
    "auto_submitted",
    "to",
    "cc",
    "date",
    "warnings",
}

RAW = multipart(
    "mixed",
    [
        part("Прошу заменить счётчик", "Content-Type: text/plain; charset=utf-8"),
        part(
            b64(b"%PDF-1.4"),
            "Content-Type: application/pdf",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment; filename*=UTF-8''%D0%90%D0%BA%D1%82.pdf",
        ),
    ],
    headers={
        "Cc": "Пётр <petr@example.ru>",
        "In-Reply-To": "<out-1@hotline.example>",
        "References": "<out-0@hotline.example> <out-1@hotline.example>",
    },
)


def _run(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("mail", "parse", *args, stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_parse_prints_what_the_parser_got(tmp_path: Path) -> None:
    path = tmp_path / "message.eml"
    path.write_bytes(RAW)

    result = _run(str(path))

    assert result.keys() >= REQUIRED_KEYS
    assert result["from_email"] == "customer@example.com"
    assert result["from_display_name"] == "Customer"
    assert result["subject"] == "Test"
    assert result["text"] == "Прошу заменить счётчик"
    assert result["html"] is None
    assert result["attachments"] == [
        {"filename": "Акт.pdf", "content_type": "application/pdf", "size": 8, "content_id": None, "inline": False}
    ]
    assert result["message_id"] == "m1@example.com"
    assert result["in_reply_to"] == "out-1@hotline.example"
    assert result["references"] == ["out-0@hotline.example", "out-1@hotline.example"]
    assert result["auto_submitted"] is False
    assert result["cc"] == [{"email": "petr@example.ru", "display_name": "Пётр"}]
    assert result["date"] == "2025-01-14T10:20:30+03:00"
    assert result["warnings"] == []


def test_parse_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(message(subject="Автоответ".encode("cp1251")))))

    result = _run("-")

    assert result["subject"] == "Автоответ"
    assert result["auto_submitted"] is True


def test_unparseable_message_still_prints_a_result(tmp_path: Path) -> None:
    path = tmp_path / "empty.eml"
    path.write_bytes(b"")

    result = _run(str(path))

    assert result["text"] == "no visible content"
    assert result["attachments"] == []


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="не найден") as error:
        call_command("mail", "parse", str(tmp_path / "nope.eml"))

    assert error.value.returncode == 2


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="каталог"):
        call_command("mail", "parse", str(tmp_path))


def test_the_hotline_command_prints_utf8_json(tmp_path: Path) -> None:
    path = tmp_path / "message.eml"
    path.write_bytes(RAW)
    script = Path(sys.executable).with_name("hotline")
    hotline = [str(script)] if script.exists() else [sys.executable, "-c", "from hotline.cli import main; main()"]

    completed = subprocess.run(
        [*hotline, "mail", "parse", str(path), "--compact"],
        capture_output=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(settings.BASE_DIR),
            "LC_ALL": "C",
            "PYTHONIOENCODING": "ascii",
            "DJANGO_SETTINGS_MODULE": "hotline.settings.test",
        },
        timeout=120,
    )

    assert "Прошу заменить счётчик".encode() in completed.stdout
    assert json.loads(completed.stdout)["attachments"][0]["filename"] == "Акт.pdf"
