"""Every form control on every screen has an accessible name, ids are unique, images are labelled."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.desk.models import Queue, Ticket

pytestmark = pytest.mark.django_db

SKIP_TYPES = {"hidden", "submit", "button", "reset"}


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.label_depth = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type", "") not in SKIP_TYPES:
            self.controls.append({**a, "_tag": tag, "_wrapped": "1" if self.label_depth else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.label_depth:
            self.label_depth -= 1


def unnamed(html: str) -> tuple[list[str], list[str], str]:
    parser = Controls()
    parser.feed(html)
    missing = [
        f"<{c['_tag']} name={c.get('name')!r}>"
        for c in parser.controls
        if not (
            c.get("aria-label")
            or c.get("aria-labelledby")
            or c["_wrapped"]
            or (c.get("id") and c["id"] in parser.label_for)
        )
    ]
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    return missing, duplicates, parser.lang


def check(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    missing, duplicates, lang = unnamed(response.content.decode())
    assert not missing, f"{url}: controls without a label: {missing}"
    assert not duplicates, f"{url}: duplicate ids: {duplicates}"
    assert lang in {"ru", "en"}, url


def test_agent_screens(client: Client, operator: User, ticket: Ticket, line2: Queue) -> None:
    client.force_login(operator)
    for url in [
        "/desk/",
        "/desk/new/",
        "/desk/tickets/",
        f"/desk/t/{ticket.number}/",
        "/contacts/",
        f"/contacts/{ticket.contact_id}/",
        "/contacts/new/",
        "/preferences/",
    ]:
        check(client, url)


def test_customer_screens(client: Client, customer: User, ticket: Ticket) -> None:
    client.force_login(customer)
    for url in ["/portal/", "/portal/new/", f"/portal/r/{ticket.number}/"]:
        check(client, url)


def test_public_screens(client: Client) -> None:
    for url in ["/login/", "/portal/signup/", "/password-reset/"]:
        check(client, url)
