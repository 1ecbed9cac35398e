"""Inline (cid:) images of an e-mail shown where the sender put them — to the people who may see them, only.

A message goes through ingestion, then the agent's ticket page and the customer's portal page are read: the
image's ``src`` is our access-checked download URL, the image is not listed again among the files, a remote
image (a tracking pixel) is never given to the browser, and another customer cannot fetch the inline image.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.desk.models import Attachment, Ticket
from hotline.desk.tests.factories import ContactFactory, QueueMembershipFactory
from hotline.intake.models import InboundStatus, Mailbox
from hotline.intake.services import ingest_raw

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "mail"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
_IMG_SRC = re.compile(r'<img[^>]*\ssrc="([^"]*)"')


def _ticket(mailbox: Mailbox, raw: bytes) -> Ticket:
    result = ingest_raw(mailbox=mailbox, raw=raw, source="smtp")
    assert result.status == InboundStatus.TICKET
    assert result.ticket_id is not None
    return Ticket.objects.get(pk=result.ticket_id)


def _agent(mailbox: Mailbox) -> Client:
    agent = OperatorFactory.create(username="agent")
    QueueMembershipFactory.create(queue=mailbox.queue, user=agent)
    client = Client()
    client.force_login(agent)
    return client


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _customer_of(ticket: Ticket) -> User:
    """The ticket's contact (made from the sender's address) signs up for the portal."""
    assert ticket.contact is not None
    user = CustomerUserFactory.create(username="sender")
    ticket.contact.user = user
    ticket.contact.save(update_fields=["user"])
    return user


def _stranger() -> User:
    user = CustomerUserFactory.create(username="stranger")
    ContactFactory.create(full_name="Посторонний", user=user)
    return user


def _body(response: object) -> str:
    content: bytes = response.content  # type: ignore[attr-defined]
    return content.decode()


def _download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _related_mail(html: str, images: list[tuple[str, str, bytes]], *, extra: list[tuple[str, str, bytes]]) -> bytes:
    message = EmailMessage()
    message["From"] = "Анна Смирнова <anna@example.com>"
    message["To"] = "support@example.ru"
    message["Subject"] = "Скриншот ошибки"
    message["Message-ID"] = "<inline-1@example.com>"
    message.set_content("Ошибка на скриншоте.")
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(("html",))
    assert html_part is not None
    for cid, content_type, content in images:
        maintype, _sep, subtype = content_type.partition("/")
        html_part.add_related(content, maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=f"{cid}.bin")
    for name, content_type, content in extra:
        maintype, _sep, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_a_corpus_message_shows_its_inline_image_in_place_to_its_people_only(mailbox: Mailbox) -> None:
    raw = (CORPUS / "mail080.box").read_bytes()  # Apple Mail: HTML with <img src="cid:…"> and the JPEG beside it
    ticket = _ticket(mailbox, raw)
    image = Attachment.objects.get(message__ticket=ticket)
    assert image.content_id == "485376C9-2486-4351-B932-E2010998F579@home"
    with image.file.open("rb") as handle:
        stored = handle.read()

    agent = _agent(mailbox)
    page = _body(agent.get(f"/desk/t/{ticket.number}/"))
    desk_url = f"/desk/files/{image.pk}/"
    assert _IMG_SRC.findall(page) == [desk_url]
    assert "cid:" not in page
    assert f'class="attachment" href="{desk_url}"' not in page  # shown in place, not listed again
    assert _download(agent, desk_url) == stored

    owner = _customer_of(ticket)
    portal = _body(_as(owner).get(f"/portal/r/{ticket.number}/"))
    portal_url = f"/portal/files/{image.pk}/"
    assert _IMG_SRC.findall(portal) == [portal_url]
    assert f'class="attachment" href="{portal_url}"' not in portal
    assert _download(_as(owner), portal_url) == stored

    stranger = _as(_stranger())
    assert stranger.get(portal_url).status_code == 404
    assert stranger.get(desk_url).status_code == 404
    assert stranger.get(f"/api/attachments/{image.pk}").status_code == 404


def test_only_our_urls_of_attached_images_are_loaded_never_the_senders(mailbox: Mailbox) -> None:
    html = (
        "<p>Вот ошибка:</p><p><img src='cid:shot@local' alt='скриншот'></p>"
        "<img src='https://tracker.example/open.gif?u=42' width=1 height=1 alt=''>"
        "<img src='cid:page@local' alt='страница'>"  # a cid that names an HTML part, not an image
        "<img src='cid:nobody@local' alt='потерянная'>"
        "<img src='data:image/png;base64,iVBORw0KGgo=' alt='data'>"
        "<a href='https://example.com/help'>справка</a>"
    )
    raw = _related_mail(
        html,
        [("shot@local", "image/png", PNG), ("page@local", "text/html", b"<script>alert(1)</script>")],
        extra=[("отчёт.png", "image/png", PNG + b"report")],
    )
    ticket = _ticket(mailbox, raw)
    shot = Attachment.objects.get(message__ticket=ticket, content_id="shot@local")
    page_part = Attachment.objects.get(message__ticket=ticket, content_id="page@local")
    report = Attachment.objects.get(message__ticket=ticket, original_name="отчёт.png")

    page = _body(_agent(mailbox).get(f"/desk/t/{ticket.number}/"))
    assert _IMG_SRC.findall(page) == [f"/desk/files/{shot.pk}/"]
    assert "tracker.example" not in page
    assert "data:image/png" not in page
    assert page.count('class="img-blocked"') == 4  # the pixel, the HTML part, the missing one, the data: URL
    assert 'href="https://example.com/help"' in page  # links stay links: nothing loads until clicked
    # The inline one is not listed again; an HTML part named by a cid is just a file; a normal image is listed.
    assert f'class="attachment" href="/desk/files/{shot.pk}/"' not in page
    assert f'class="attachment" href="/desk/files/{page_part.pk}/"' in page
    assert f'class="attachment" href="/desk/files/{report.pk}/"' in page


def test_the_api_gives_the_body_as_shown_and_marks_the_inline_files(mailbox: Mailbox) -> None:
    raw = _related_mail(
        "<p>См. <img src='cid:shot@local'> и <img src='http://pixel.example/p.gif'></p>",
        [("shot@local", "image/png", PNG)],
        extra=[("отчёт.png", "image/png", PNG + b"report")],
    )
    ticket = _ticket(mailbox, raw)
    agent = _agent(mailbox)
    response = agent.get(f"/api/tickets/{ticket.pk}/messages")
    assert response.status_code == 200
    (first,) = response.json()
    files = {a["name"]: a for a in first["attachments"]}
    shot = files["shot@local.bin"]
    assert shot["inline"] is True
    assert shot["content_id"] == "shot@local"
    assert files["отчёт.png"]["inline"] is False
    assert _IMG_SRC.findall(first["body_html"]) == [shot["url"]]
    assert "pixel.example" not in first["body_html"]
    assert _download(agent, shot["url"]) == PNG
