"""An e-mail's inline image in a real browser: drawn in place for the agent and the customer, while a tracking
pixel in the same mail (a live server on 127.0.0.1 counting requests) is never requested."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.desk.models import Ticket
from hotline.desk.tests.factories import LineQueueFactory, QueueMembershipFactory
from hotline.intake.models import Mailbox, MailboxKind
from hotline.intake.services import ingest_raw
from hotline.intake.services.outcomes import forget_our_addresses
from tests.e2e.conftest import Screens, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x25\x51\xd4" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def tracker() -> Iterator[tuple[str, list[str]]]:
    """A tracking-pixel server: every request it gets is a read receipt the sender should never have had."""
    hits: list[str] = []

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png(1, 1))

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _mail(pixel_url: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Анна Смирнова <anna@example.com>"
    message["To"] = "support@example.ru"
    message["Subject"] = "Скриншот ошибки"
    message["Message-ID"] = "<inline-e2e@example.com>"
    message.set_content("Ошибка на скриншоте.")
    message.add_alternative(
        f"<p>Вот что на экране:</p><p><img src='cid:screen@anna' alt='Снимок экрана'></p>"
        f"<img src='{pixel_url}/open.png?u=anna' width=1 height=1><p>Анна</p>",
        subtype="html",
    )
    html_part = message.get_body(("html",))
    assert html_part is not None
    html_part.add_related(_png(40, 20), maintype="image", subtype="png", cid="<screen@anna>", filename="screen.png")
    return message.as_bytes()


def test_inline_image_is_drawn_and_the_tracking_pixel_never_fires(
    new_page: Any, screens: Screens, tracker: tuple[str, list[str]]
) -> None:
    pixel_url, hits = tracker
    forget_our_addresses()
    queue = LineQueueFactory.create(name="Первая линия", slug="line-1", line_level=1, is_default=True)
    agent = OperatorFactory.create(username="operator")
    QueueMembershipFactory.create(queue=queue, user=agent)
    mailbox = Mailbox.objects.create(name="Поддержка", address="support@example.ru", kind=MailboxKind.SMTP, queue=queue)
    result = ingest_raw(mailbox=mailbox, raw=_mail(pixel_url), source="smtp")
    assert result.ticket_id is not None
    ticket = Ticket.objects.select_related("contact").get(pk=result.ticket_id)
    assert ticket.contact is not None
    ticket.contact.user = CustomerUserFactory.create(username="anna@example.com", email="anna@example.com")
    ticket.contact.save(update_fields=["user"])

    page = new_page()
    login(page, "operator")
    page.goto(f"/desk/t/{ticket.number}/")
    image = page.get_by_role("img", name="Снимок экрана")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=image.element_handle())
    expect(page.locator(".attachments .attachment", has_text="screen.png")).to_have_count(0)
    screens.shot(page, "agent-inline-image")

    portal = new_page()
    login(portal, "anna@example.com")
    portal.goto(f"/portal/r/{ticket.number}/")
    mine = portal.get_by_role("img", name="Снимок экрана")
    expect(mine).to_be_visible()
    portal.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=mine.element_handle())
    screens.shot(portal, "portal-inline-image")
    page.wait_for_load_state("networkidle")
    portal.wait_for_load_state("networkidle")
    assert hits == []
