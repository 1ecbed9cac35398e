"""Generated mail for tests and the benchmark: new requests and replies that thread to them, in a Maildir.

Deterministic for a seed. About a quarter of the messages are replies (In-Reply-To/References of an earlier
message of the same sender, with the quote under the answer), some carry a small attachment, a few are
out-of-office auto-replies; the text mixes Russian and English and the charsets koi8-r, windows-1251 and UTF-8.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

_FIRST = ["Иван", "Мария", "Пётр", "Анна", "Сергей", "Ольга", "Алексей", "Елена", "John", "Kate"]
_LAST = ["Иванов", "Петрова", "Сидоров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Smith", "Brown"]
_TOPICS = [
    ("Не работает принтер", "Принтер в бухгалтерии не печатает, горит красная лампочка."),
    ("Счётчик воды", "Передаю показания счётчика холодной воды: 00123. Проверьте, пожалуйста, квитанцию."),
    ("Квитанция за март", "В квитанции за март начислено больше обычного, прошу сделать перерасчёт."),
    ("Нет доступа к почте", "Не могу войти в почту с утра, пишет «неверный пароль»."),
    ("VPN disconnects", "The VPN drops every ten minutes since yesterday's update."),
    ("Замена картриджа", "Закончился картридж в принтере на 3 этаже, нужен новый."),
    ("Протечка", "В подъезде протекает крыша над 5 этажом, вода на лестнице."),
]
_REPLIES = ["Спасибо, помогло!", "Проблема осталась, посмотрите ещё раз.", "Добавляю фото.", "Thanks, it works now."]
_CHARSETS = ["utf-8", "utf-8", "koi8-r", "windows-1251"]


@dataclass(frozen=True)
class SampleMessage:
    name: str  # a Maildir file name: ordered by generation, so replies come after what they answer
    raw: bytes
    message_id: str
    reply_to_id: str  # "" for a new request
    auto_reply: bool


def generate(
    count: int, *, seed: int = 42, to: str = "support@example.ru", start: datetime | None = None
) -> list[SampleMessage]:
    """``count`` messages from about ``count // 8`` senders, each at most a few an hour (below the loop guard)."""
    rng = random.Random(seed)  # noqa: S311 — reproducible sample text, not a secret
    senders = [
        (f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", f"user{n}.{seed}@example{n % 7}.ru")
        for n in range(max(1, count // 8))
    ]
    moment = start or datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    threads: dict[str, list[tuple[str, str]]] = {}  # sender address → [(message id, subject)]
    out: list[SampleMessage] = []
    for n in range(count):
        moment += timedelta(seconds=rng.randint(20, 120))
        name, address = senders[n % len(senders)]
        mine = threads.setdefault(address, [])
        message = EmailMessage()
        message_id = f"sample-{seed}-{n}@example.ru"
        message["From"] = f"{name} <{address}>"
        message["To"] = to
        message["Date"] = format_datetime(moment)
        message["Message-ID"] = f"<{message_id}>"
        reply_to = ""
        auto = False
        charset = rng.choice(_CHARSETS)
        roll = rng.random()
        if mine and roll < 0.25:
            reply_to, subject = rng.choice(mine)
            message["Subject"] = f"Re: {subject}"
            message["In-Reply-To"] = f"<{reply_to}>"
            message["References"] = f"<{reply_to}>"
            quoted = f"{format_datetime(moment - timedelta(hours=1))}, Поддержка <{to}>:"
            body = f"{rng.choice(_REPLIES)}\n\n{quoted}\n> Добрый день! Уточните, пожалуйста.\n"
        elif roll > 0.985:
            auto = True
            subject = "Автоматический ответ: я в отпуске"
            message["Subject"] = subject
            message["Auto-Submitted"] = "auto-replied"
            body = "Я в отпуске до понедельника. Срочные вопросы — коллегам."
        else:
            subject, text = rng.choice(_TOPICS)
            subject = f"{subject} №{n}"
            message["Subject"] = subject
            body = f"Здравствуйте!\n\n{text}\n\n-- \n{name}\nтел. +7 912 {n % 1000:03d}-{n % 100:02d}-{n % 97:02d}"
            mine.append((message_id, subject))
        try:
            message.set_content(body, charset=charset)
        except UnicodeEncodeError:
            message.set_content(body, charset="utf-8")
        if not auto and rng.random() < 0.05:
            message.add_attachment(rng.randbytes(2048), maintype="image", subtype="png", filename=f"фото-{n}.png")
        raw = message.as_bytes()
        out.append(SampleMessage(f"{1700000000 + n:010d}.M{n}P1.sample", raw, message_id, reply_to, auto))
    return out


def write_maildir(path: Path, messages: list[SampleMessage]) -> Path:
    """Write ``messages`` into ``path/new`` (creating a Maildir) and return the path."""
    for folder in ("new", "cur", "tmp"):
        (path / folder).mkdir(parents=True, exist_ok=True)
    for message in messages:
        (path / "new" / message.name).write_bytes(message.raw)
    return path
