"""The HTTP API: /api/search and /api/knowledge, with access and query counts."""

from __future__ import annotations

import pytest

from hotline.desk.tests.api_client import Api
from hotline.knowledge.services import responses
from hotline.knowledge.tests.helpers import open_ticket, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(operator, line1, customer, section):
    tickets = [open_ticket(operator, f"Счётчик {n}", contact=customer.contact, days_ago=n) for n in range(6)]
    arts = [publish(section, f"Счётчики {n}", "текст") for n in range(4)]
    internal = publish(section, "Регламент: счётчики", public=False)
    return {"tickets": tickets, "articles": arts, "internal": internal}


def test_search_endpoint_shapes_and_query_count(world, operator, django_assert_num_queries):
    api = Api.token(operator)
    api.get("/api/search?q=warm")
    # The token, then one ranked query per kind that reads each hit's ticket or article through its join.
    with django_assert_num_queries(3):
        response = api.get("/api/search?q=счётчиков&kinds=tickets,articles&limit=3")
    assert response.status_code == 200
    body = response.json()
    assert [t["number"] for t in body["tickets"]["items"]] == [t.number for t in world["tickets"][:3]]
    assert body["tickets"]["has_more"] is True
    assert body["tickets"]["items"][0]["title_html"].startswith("<mark>Счётчик</mark>")
    assert body["tickets"]["items"][0]["url"] == f"/desk/t/{world['tickets'][0].number}/"
    assert (len(body["articles"]["items"]) == 3 and "contacts" not in body) or body["contacts"] is None


def test_customer_search_is_scoped(world, customer, other_customer, operator):
    theirs = open_ticket(operator, "Счётчик соседа", contact=other_customer.contact)
    body = Api.session(customer).get("/api/search?q=счётчик&limit=50").json()
    numbers = {t["number"] for t in body["tickets"]["items"]}
    assert numbers == {t.number for t in world["tickets"]}
    assert theirs.number not in numbers
    assert world["internal"].pk not in {a["id"] for a in body["articles"]["items"]}
    assert body["contacts"]["items"] == []
    assert body["tickets"]["items"][0]["url"].startswith("/portal/r/")


def test_search_input_errors_are_422(operator):
    api = Api.token(operator)
    assert api.get("/api/search?q=x&kinds=users").status_code == 422
    assert api.get("/api/search?q=x&limit=0").status_code == 422
    assert api.get("/api/search").status_code == 422
    assert Api.anonymous().get("/api/search?q=x").status_code == 401


def test_articles_crud_versions_feedback_and_stats(operator, section, customer, line1):
    api = Api.token(operator)
    created = api.post(
        "/api/knowledge/articles",
        {"category_id": section.pk, "title": "Поверка", "body": "Раз в 6 лет", "visibility": "public"},
    )
    assert created.status_code == 201, created.content
    article_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    changed = api.patch(f"/api/knowledge/articles/{article_id}", {"body": "Раз в 4 года", "status": "published"})
    assert changed.json()["version"] == 2
    versions = api.get(f"/api/knowledge/articles/{article_id}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    restored = api.post(f"/api/knowledge/articles/{article_id}/versions/1/restore")
    assert "Раз в 6 лет" in restored.json()["body_html"]
    assert api.post(f"/api/knowledge/articles/{article_id}/versions/9/restore").status_code == 404
    voted = Api.session(customer).post(f"/api/knowledge/articles/{article_id}/feedback", {"helpful": True})
    assert voted.json()["helpful_count"] == 1
    ticket = open_ticket(operator, "Когда поверка?")
    used = api.post(f"/api/knowledge/articles/{article_id}/tickets", {"ticket": ticket.number})
    assert used.status_code == 201
    assert api.post(f"/api/knowledge/articles/{article_id}/tickets", {"ticket": ticket.number}).status_code == 409
    stats = api.get(f"/api/knowledge/articles/{article_id}/stats").json()
    assert (stats["tickets"], stats["helpful"]) == (1, 1)
    assert (
        Api.session(customer).post("/api/knowledge/articles", {"category_id": section.pk, "title": "x"}).status_code
        == 403
    )
    bad = api.post("/api/knowledge/articles", {"category_id": section.pk, "title": " "})
    assert bad.status_code == 422
    assert bad.json()["field"] == "title"


def test_article_list_in_constant_queries(world, operator, django_assert_max_num_queries):
    api = Api.token(operator)
    api.get("/api/knowledge/articles")
    with django_assert_max_num_queries(4):
        rows = api.get("/api/knowledge/articles?limit=100").json()
    assert len(rows) == 5


def test_customers_see_public_articles_only(world, customer):
    rows = Api.session(customer).get("/api/knowledge/articles").json()
    assert world["internal"].pk not in {r["id"] for r in rows}
    assert len(rows) == 4
    assert Api.session(customer).get(f"/api/knowledge/articles/{world['internal'].pk}").status_code == 404


def test_canned_responses_and_macros_over_the_api(operator, line1, customer, category):
    api = Api.token(operator)
    made = api.post(
        "/api/knowledge/canned-responses",
        {"name": "Привет", "shortcut": "hi", "body": "Здравствуйте, {{ contact.first_name }}!"},
    )
    assert made.status_code == 201
    assert made.json()["scope"] == "personal"
    ticket = open_ticket(operator, "Вопрос", contact=customer.contact)
    text = api.post(f"/api/knowledge/canned-responses/{made.json()['id']}/render", {"ticket": ticket.number})
    assert text.json()["text"] == "Здравствуйте, Анна!"
    macro = api.post(
        "/api/knowledge/macros",
        {
            "name": "Ответить и ждать",
            "reply_id": made.json()["id"],
            "set_status": "pending_customer",
            "set_category_id": category.pk,
            "assign_to": "me",
            "add_tags": ["vip"],
        },
    )
    assert macro.status_code == 201, macro.content
    applied = api.post(f"/api/knowledge/macros/{macro.json()['id']}/apply", {"ticket": ticket.number}).json()
    assert applied["status"] == "pending_customer"
    assert applied["assignee_id"] == operator.pk
    assert api.get(f"/api/knowledge/canned-responses?ticket={ticket.number}&q=h").json()[0]["shortcut"] == "hi"
    forbidden = api.post("/api/knowledge/canned-responses", {"name": "x", "body": "x", "scope": "global"})
    assert forbidden.status_code == 403
    assert responses.PLACEHOLDERS  # the documented placeholder list is not empty


def test_deflection_stats_for_supervisors(operator, supervisor):
    assert Api.token(operator).get("/api/knowledge/deflection").status_code == 403
    assert Api.token(supervisor).get("/api/knowledge/deflection").json()["attempts"] == 0


NASTY = ["\x00", "a\x00b", "'\"<script>", "&|!():*", "{title_stems}: x", "NEAR(a b)", "-", "ё" * 300, "HL-" + "9" * 30]


@pytest.mark.parametrize("text", NASTY)
def test_odd_input_is_an_answer_never_a_server_error(text, operator, section, line1):
    api = Api.token(operator)
    searched = api.get("/api/search", {"q": text[:200]})
    assert searched.status_code in (200, 422)
    created = api.post("/api/knowledge/articles", {"category_id": section.pk, "title": text[:255], "body": text})
    assert created.status_code in (201, 422)
    if "\x00" in text:
        assert created.json()["code"] == "validation_failed"
    made = api.post("/api/knowledge/canned-responses", {"name": text[:120], "body": text})
    assert made.status_code in (201, 409, 422)
