"""In-app notifications: the JSON API under /api/notifications and the bell partial."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.core.models import User
from hotline.desk.models import Queue, Ticket
from hotline.notify.kinds import Kind
from hotline.notify.models import Notification
from hotline.notify.tests.helpers import open_ticket

pytestmark = pytest.mark.django_db


def notices(user: User, ticket: Ticket, count: int) -> list[Notification]:
    return [
        Notification.objects.create(
            user=user,
            kind=Kind.ASSIGNED,
            dedupe_key=f"test:{user.pk}:{ticket.pk}:{n}",
            ticket=ticket,
            title=f"{ticket.number}: уведомление {n}",
            url=f"/desk/t/{ticket.number}/",
        )
        for n in range(count)
    ]


@pytest.fixture
def ticket(operator: User, line1: Queue) -> Ticket:
    return open_ticket(operator, None, line1)


def api(client: Client, method: str, path: str, body: Any = None) -> Any:
    call = getattr(client, method)
    return call(f"/api/notifications{path}", body, content_type="application/json")


def test_list_newest_first_with_unread_count_in_few_queries(
    client: Client, operator: User, other_operator: User, ticket: Ticket, django_assert_max_num_queries: Any
) -> None:
    mine = notices(operator, ticket, 25)
    notices(other_operator, ticket, 3)
    client.force_login(operator)
    with django_assert_max_num_queries(6):
        first = api(client, "get", "?limit=20")
    assert first.status_code == 200
    data = first.json()
    assert data["unread"] == 25
    assert [n["id"] for n in data["items"]] == [n.pk for n in reversed(mine)][:20]
    assert data["items"][0]["ticket_number"] == ticket.number
    rest = api(client, "get", f"?limit=20&cursor={data['next_cursor']}").json()
    assert len(rest["items"]) == 5
    assert rest["next_cursor"] is None


def test_mark_read_one_many_all(client: Client, operator: User, ticket: Ticket) -> None:
    items = notices(operator, ticket, 4)
    client.force_login(operator)

    one = api(client, "post", f"/{items[0].pk}/read")
    assert one.status_code == 200
    assert one.json()["read_at"] is not None
    assert api(client, "get", "/unread-count").json() == {"unread": 3}
    assert api(client, "post", "/read", {"ids": [items[1].pk, items[2].pk]}).json() == {"marked": 2, "unread": 1}
    assert api(client, "post", "/read-all").json() == {"marked": 1, "unread": 0}
    assert api(client, "get", "?unread=true").json()["items"] == []


def test_someone_elses_notification_is_not_found(
    client: Client, operator: User, other_operator: User, ticket: Ticket
) -> None:
    [theirs] = notices(other_operator, ticket, 1)
    client.force_login(operator)
    response = api(client, "post", f"/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api(client, "post", "/read", {"ids": [theirs.pk]}).json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_gets_401(client: Client) -> None:
    assert api(client, "get", "").status_code == 401


def test_preferences_read_and_update(client: Client, operator: User) -> None:
    client.force_login(operator)
    before = api(client, "get", "/preferences").json()
    assert before["unsubscribed"] is None
    row = {"kind": "mentioned", "channel": "email"}
    assert {**row, "enabled": True} in [
        {k: p[k] for k in ("kind", "channel", "enabled")} for p in before["preferences"]
    ]

    after = api(client, "put", "/preferences", {"preferences": [{**row, "enabled": False}]})
    assert after.status_code == 200
    assert {**row, "enabled": False} in [
        {k: p[k] for k in ("kind", "channel", "enabled")} for p in after.json()["preferences"]
    ]
    bad = api(
        client, "put", "/preferences", {"preferences": [{"kind": "resolved", "channel": "email", "enabled": False}]}
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "kind"


def test_customer_unsubscribes_through_the_api(client: Client, customer_user: User) -> None:
    client.force_login(customer_user)
    data = api(client, "put", "/preferences", {"unsubscribed": True}).json()
    assert data["unsubscribed"] is True
    locked = {p["kind"] for p in data["preferences"] if p["locked"]}
    assert locked == {"request_received", "reply_added"}


def test_bell_shows_the_count_and_opening_marks_read(
    client: Client, operator: User, ticket: Ticket, django_assert_max_num_queries: Any
) -> None:
    items = notices(operator, ticket, 12)
    client.force_login(operator)
    with django_assert_max_num_queries(8):
        bell = client.get("/notifications/bell/")
    html = bell.content.decode()
    assert bell.status_code == 200
    assert "data-notify-unread>12<" in html
    assert html.count("/open/") == 10

    response = client.post(f"/notifications/{items[0].pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/t/{ticket.number}/"
    items[0].refresh_from_db()
    assert items[0].read_at is not None
    htmx = client.post(f"/notifications/{items[1].pk}/open/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == f"/desk/t/{ticket.number}/"


def test_bell_is_for_staff(client: Client, customer_user: User) -> None:
    client.force_login(customer_user)
    assert client.get("/notifications/bell/").status_code == 403
    anonymous = Client()
    assert anonymous.get("/notifications/bell/").status_code == 302


def test_bell_include_needs_no_context(operator: User, rf: Any) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("notify/_bell.html", {"user": operator})
    assert 'hx-get="/notifications/bell/"' in html
    assert f'data-live-topic="notifications:{operator.pk}"' in html
