from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hotline.core.models import AuditLog, User
from hotline.customers.models import Contact, Organisation
from hotline.customers.tests.conftest import client_for
from hotline.customers.tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    MessengerAccountFactory,
    OrganisationFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type=JSON)


def patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data, content_type=JSON)


def test_anonymous_requests_are_refused() -> None:
    response = Client().get("/api/contacts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_create_and_read_a_contact(operator: User) -> None:
    client = client_for(operator)
    organisation = OrganisationFactory.create()
    response = post(
        client,
        "/api/contacts",
        {
            "last_name": "Кузнецова",
            "first_name": "Мария",
            "phones": ["8 (912) 345-67-89", {"number": "+7 495 123-45-67 доб. 3", "kind": "work"}],
            "emails": ["Maria@Example.RU"],
            "messengers": [{"kind": "telegram", "external_id": "@maria_k"}],
            "organisation_id": organisation.pk,
            "tags": ["VIP"],
            "notes": "Предпочитает e-mail",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "Кузнецова Мария"
    assert [(p["e164"], p["extension"], p["display"]) for p in body["phones"]] == [
        ("+79123456789", "", "+7 912 345-67-89"),
        ("+74951234567", "3", "+7 495 123-45-67 доб. 3"),
    ]
    assert body["emails"][0]["email"] == "maria@example.ru"
    assert body["organisation"] == {"id": organisation.pk, "name": organisation.name, "inn": organisation.inn}
    assert body["tags"] == ["vip"]
    assert body["notes"] == "Предпочитает e-mail"

    detail = client.get(f"/api/contacts/{body['id']}")
    assert detail.status_code == 200
    assert detail.json()["messengers"] == [
        {"id": body["messengers"][0]["id"], "kind": "telegram", "external_id": "maria_k"}
    ]
    view = AuditLog.objects.get(action="view", object_type="customers.contact", object_id=str(body["id"]))
    assert view.actor == operator


def test_the_answer_to_creating_a_contact_is_the_card_a_read_returns(operator: User) -> None:
    """The service hands back the contact with the rows it wrote (no read-back): the same card, in the same order."""
    client = client_for(operator)
    body = post(
        client,
        "/api/contacts",
        {
            "full_name": "Соколов Пётр",
            "phones": ["+79120000001", {"number": "+74950000002", "kind": "work", "is_primary": True}, "+79120000003"],
            "emails": ["b@example.ru", "a@example.ru"],
            "messengers": [
                {"kind": "telegram", "external_id": "@petr"},
                {"kind": "whatsapp", "external_id": "79120000001"},
            ],
            "tags": ["постоянный", "VIP"],
        },
    ).json()
    assert [p["e164"] for p in body["phones"] if p["is_primary"]] == ["+74950000002"]
    assert client.get(f"/api/contacts/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"full_name": "Иванов", "phones": ["+79123456789", "8 (912) 345"]}, "phones.1"),
        ({"full_name": "Иванов", "phones": ["не телефон"]}, "phones.0"),
        ({"full_name": "Иванов", "emails": ["ivan@"]}, "emails.0"),
        ({"full_name": "Иванов", "organisation_id": 999999}, "organisation_id"),
        ({"phones": []}, "full_name"),
        ({"full_name": "Иванов", "phones": "89123456789"}, "phones"),
    ],
)
def test_create_with_invalid_input_is_422_naming_the_field(operator: User, payload: dict[str, Any], field: str) -> None:
    response = post(client_for(operator), "/api/contacts", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["message"]
    assert body["code"] == "validation_failed"
    assert not Contact.objects.exists()


def test_list_pages_with_a_cursor_in_name_order(operator: User) -> None:
    for name in ["Борисов", "Алексеев", "Виноградов", "Григорьев", "Дмитриев"]:
        ContactFactory.create(full_name=name)
    client = client_for(operator)
    first = client.get("/api/contacts?limit=2").json()
    assert [c["full_name"] for c in first["items"]] == ["Алексеев", "Борисов"]
    second = client.get(f"/api/contacts?limit=2&cursor={first['next_cursor']}").json()
    assert [c["full_name"] for c in second["items"]] == ["Виноградов", "Григорьев"]
    third = client.get(f"/api/contacts?limit=2&cursor={second['next_cursor']}").json()
    assert [c["full_name"] for c in third["items"]] == ["Дмитриев"]
    assert third["next_cursor"] is None


def test_search_results_page_by_relevance(operator: User) -> None:
    ContactFactory.create(full_name="Иванова Анна")
    ContactFactory.create(full_name="Иванов Пётр")
    ContactFactory.create(full_name="Сергеев Иван")
    client = client_for(operator)
    first = client.get("/api/contacts", {"q": "иван", "limit": "2"}).json()
    second = client.get("/api/contacts", {"q": "иван", "limit": 2, "cursor": first["next_cursor"]}).json()
    names = [c["full_name"] for c in first["items"] + second["items"]]
    assert names == ["Иванов Пётр", "Иванова Анна", "Сергеев Иван"]


def test_list_filters_by_organisation_and_tag(operator: User) -> None:
    horns = OrganisationFactory.create()
    wanted = ContactFactory.create(organisation=horns)
    wanted.tags.add(TagFactory.create(name="vip"))
    ContactFactory.create(organisation=horns)
    ContactFactory.create().tags.add(TagFactory.create(name="vip"))
    client = client_for(operator)
    items = client.get("/api/contacts", {"organisation_id": str(horns.pk), "tag": "VIP"}).json()["items"]
    assert [c["id"] for c in items] == [wanted.pk]


def test_bad_cursor_and_limit_are_422(operator: User) -> None:
    client = client_for(operator)
    assert client.get("/api/contacts?cursor=!!!").json()["field"] == "cursor"
    response = client.get("/api/contacts?limit=1000")
    assert (response.status_code, response.json()["field"]) == (422, "limit")


def _rich_contacts(count: int) -> None:
    organisation = OrganisationFactory.create()
    tag = TagFactory.create(name="vip")
    for _ in range(count):
        contact = ContactFactory.create(organisation=organisation)
        ContactEmailFactory.create(contact=contact)
        MessengerAccountFactory.create(contact=contact)
        contact.tags.add(tag)


@pytest.mark.parametrize("rows", [2, 25])
def test_list_takes_the_same_number_of_queries_for_any_page_size(
    operator: User, rows: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _rich_contacts(rows)
    client = client_for(operator)
    # session + user, the page (with organisation), phones, emails, messengers, tags
    with django_assert_num_queries(7):
        response = client.get("/api/contacts?limit=50")
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("holders", [1, 10])
def test_lookup_takes_constant_queries(
    operator: User, holders: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _rich_contacts(3)
    for contact in ContactFactory.create_batch(holders, phone__e164="+74957770000"):
        ContactEmailFactory.create(contact=contact)
    client = client_for(operator)
    with django_assert_num_queries(5):  # session + user, contacts with organisation, phones, e-mails
        response = client.get("/api/contacts/lookup", {"phone": "8 (495) 777-00-00"})
    assert response.status_code == 200
    assert len(response.json()) == holders
    assert all(c["phones"][0]["e164"] == "+74957770000" and c["emails"] for c in response.json())


def test_lookup_errors(operator: User, customer: User) -> None:
    response = client_for(operator).get("/api/contacts/lookup", {"phone": "anonymous"})
    assert (response.status_code, response.json()["field"]) == (422, "phone")
    response = client_for(operator).get("/api/contacts/lookup")
    assert (response.status_code, response.json()["field"]) == (422, "phone")
    assert client_for(customer).get("/api/contacts/lookup", {"phone": "+79123456789"}).status_code == 403


def test_a_customer_sees_only_their_own_card_without_agents_notes(customer: User, contact: Contact) -> None:
    own: Contact = customer.contact
    own.notes = "Конфликтный клиент"
    own.save()
    own.tags.add(TagFactory.create(name="жалобщик"))
    client = client_for(customer)

    body = client.get(f"/api/contacts/{own.pk}").json()
    assert body["full_name"] == "Смирнова Ольга"
    assert body["notes"] is None
    assert body["tags"] is None

    response = client.get(f"/api/contacts/{contact.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/contacts/999999").json() == response.json()  # missing and forbidden look alike
    assert [c["id"] for c in client.get("/api/contacts").json()["items"]] == [own.pk]
    assert patch(client, f"/api/contacts/{own.pk}", {"notes": "x"}).status_code == 403
    assert post(client, f"/api/contacts/{contact.pk}/erase").status_code == 404


def test_patch_changes_only_sent_fields(operator: User, contact: Contact) -> None:
    organisation = OrganisationFactory.create()
    client = client_for(operator)
    body = patch(client, f"/api/contacts/{contact.pk}", {"position": "бухгалтер", "organisation_id": organisation.pk})
    assert body.json()["position"] == "бухгалтер"
    assert body.json()["organisation"]["id"] == organisation.pk
    body = patch(client, f"/api/contacts/{contact.pk}", {"organisation_id": None})
    assert body.json()["organisation"] is None
    assert body.json()["position"] == "бухгалтер"
    assert body.json()["full_name"] == "Иванов Иван Петрович"
    response = patch(client, f"/api/contacts/{contact.pk}", {"time_zone": "Нигде"})
    assert (response.status_code, response.json()["field"]) == (422, "time_zone")


def test_contact_points_endpoints(operator: User, contact: Contact) -> None:
    client = client_for(operator)
    url = f"/api/contacts/{contact.pk}"
    phone = post(client, f"{url}/phones", {"number": "8 (495) 123-45-67 доб. 9", "kind": "work"})
    assert phone.status_code == 201
    assert (phone.json()["e164"], phone.json()["extension"]) == ("+74951234567", "9")
    duplicate = post(client, f"{url}/phones", {"number": "+7 495 1234567 доб. 9"})
    assert (duplicate.status_code, duplicate.json()["code"], duplicate.json()["field"]) == (409, "conflict", "number")
    bad = post(client, f"{url}/phones", {"number": "12"})
    assert (bad.status_code, bad.json()["field"]) == (422, "number")
    assert client.delete(f"{url}/phones/{phone.json()['id']}").status_code == 204
    assert client.delete(f"{url}/phones/{phone.json()['id']}").status_code == 404

    email = post(client, f"{url}/emails", {"email": "Ivanov@Example.RU"})
    assert (email.status_code, email.json()["email"]) == (201, "ivanov@example.ru")
    assert client.delete(f"{url}/emails/{email.json()['id']}").status_code == 204

    messenger = post(client, f"{url}/messengers", {"kind": "whatsapp", "external_id": "8 912 000-00-01"})
    assert (messenger.status_code, messenger.json()["external_id"]) == (201, "+79120000001")
    assert client.delete(f"{url}/messengers/{messenger.json()['id']}").status_code == 204

    tags = client.put(f"{url}/tags", {"tags": ["VIP", "Пенсионер"]}, content_type=JSON)
    assert tags.json()["tags"] == ["vip", "пенсионер"]


def test_consent_endpoints(operator: User, contact: Contact) -> None:
    client = client_for(operator)
    given = post(client, f"/api/contacts/{contact.pk}/consent", {"source": "устно по телефону"})
    assert given.status_code == 200
    assert given.json()["has_consent"] is True
    assert given.json()["pd_consent_source"] == "устно по телефону"
    withdrawn = post(client, f"/api/contacts/{contact.pk}/consent/withdraw", {"source": "звонок"})
    assert withdrawn.json()["has_consent"] is False
    again = post(client, f"/api/contacts/{contact.pk}/consent/withdraw", {})
    assert again.status_code == 409
    missing = post(client, f"/api/contacts/{contact.pk}/consent", {})
    assert (missing.status_code, missing.json()["field"]) == (422, "source")


def test_duplicates_and_merge_endpoints(operator: User, supervisor: User, contact: Contact) -> None:
    duplicate = ContactFactory.create(full_name="Иванов И.", phone__e164="+79123456789")
    found = client_for(operator).get(f"/api/contacts/{contact.pk}/duplicates").json()
    assert [(d["contact"]["id"], d["reasons"]) for d in found] == [(duplicate.pk, ["phone"])]

    refused = post(client_for(operator), f"/api/contacts/{contact.pk}/merge", {"duplicate_id": duplicate.pk})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    client = client_for(supervisor)
    missing = post(client, f"/api/contacts/{contact.pk}/merge", {"duplicate_id": 999999})
    assert (missing.status_code, missing.json()["field"]) == (422, "duplicate_id")
    itself = post(client, f"/api/contacts/{contact.pk}/merge", {"duplicate_id": contact.pk})
    assert (itself.status_code, itself.json()["field"]) == (422, "duplicate_id")
    merged = post(client, f"/api/contacts/{contact.pk}/merge", {"duplicate_id": duplicate.pk})
    assert merged.status_code == 200
    assert len(merged.json()["phones"]) == 1
    gone = client.get(f"/api/contacts/{duplicate.pk}").json()
    assert gone["merged_into_id"] == contact.pk


def test_export_endpoint_is_an_audited_download_for_supervisors(
    operator: User, supervisor: User, contact: Contact
) -> None:
    assert client_for(operator).get(f"/api/contacts/{contact.pk}/export").status_code == 403
    response = client_for(supervisor).get(f"/api/contacts/{contact.pk}/export")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    assert response.json()["contact"]["full_name"] == "Иванов Иван Петрович"
    assert AuditLog.objects.filter(action="export", object_id=str(contact.pk), actor=supervisor).count() == 1


def test_erase_endpoint(operator: User, admin: User, contact: Contact) -> None:
    refused = post(client_for(operator), f"/api/contacts/{contact.pk}/erase")
    assert refused.status_code == 403
    response = post(client_for(admin), f"/api/contacts/{contact.pk}/erase", {"reason": "заявление № 5"})
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == f"Удалённый контакт #{contact.pk}"
    assert body["phones"] == []
    assert body["erased_at"]
    assert AuditLog.objects.filter(action="erase", object_id=str(contact.pk), summary="заявление № 5").exists()
    again = post(client_for(admin), f"/api/contacts/{contact.pk}/erase")
    assert again.status_code == 409


def test_erase_without_a_body(admin: User, contact: Contact) -> None:
    response = client_for(admin).post(f"/api/contacts/{contact.pk}/erase", content_type=JSON)
    assert response.status_code == 200


def test_timeline_endpoint(operator: User, customer: User) -> None:
    own: Contact = customer.contact
    client = client_for(operator)
    post(client, f"/api/contacts/{own.pk}/consent", {"source": "форма на портале"})
    agent_view = client.get(f"/api/contacts/{own.pk}/timeline").json()
    assert [item["kind"] for item in agent_view] == ["consent", "contact"]
    customer_view = client_for(customer).get(f"/api/contacts/{own.pk}/timeline").json()
    assert [item["kind"] for item in customer_view] == ["consent"]  # the card's internal entries are not theirs
    bad = client.get(f"/api/contacts/{own.pk}/timeline?limit=0")
    assert (bad.status_code, bad.json()["field"]) == (422, "limit")


def test_organisation_crud(operator: User, supervisor: User) -> None:
    client = client_for(operator)
    created = post(client, "/api/organisations", {"name": "ООО «Ромашка»", "inn": "7707083893", "phone": "84951234567"})
    assert created.status_code == 201
    org_id = created.json()["id"]
    assert created.json()["phone"] == "+74951234567"
    bad = post(client, "/api/organisations", {"name": "ООО", "inn": "7707083894"})
    assert (bad.status_code, bad.json()["field"]) == (422, "inn")
    twin = post(client, "/api/organisations", {"name": "Двойник", "inn": "7707083893"})
    assert (twin.status_code, twin.json()["field"]) == (409, "inn")

    updated = patch(client, f"/api/organisations/{org_id}", {"address": "Москва, ул. Тверская, 1"})
    assert updated.json()["address"] == "Москва, ул. Тверская, 1"
    assert updated.json()["name"] == "ООО «Ромашка»"
    listed = client.get("/api/organisations", {"q": "ромаш"}).json()
    assert [o["id"] for o in listed["items"]] == [org_id]

    ContactFactory.create(organisation_id=org_id)
    assert client.delete(f"/api/organisations/{org_id}").status_code == 403
    in_use = client_for(supervisor).delete(f"/api/organisations/{org_id}")
    assert (in_use.status_code, in_use.json()["code"]) == (409, "organisation_in_use")
    Contact.objects.update(organisation=None)
    assert client_for(supervisor).delete(f"/api/organisations/{org_id}").status_code == 204
    assert not Organisation.objects.exists()
    assert client.get(f"/api/organisations/{org_id}").status_code == 404


@pytest.mark.parametrize("rows", [2, 25])
def test_organisation_list_queries_are_constant(
    operator: User, rows: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for organisation in OrganisationFactory.create_batch(rows):
        ContactFactory.create(organisation=organisation)
    client = client_for(operator)
    with django_assert_num_queries(4):  # session + user, the page with counts, tags
        response = client.get("/api/organisations")
    assert len(response.json()["items"]) == rows
    assert all(o["contacts_count"] == 1 for o in response.json()["items"])


def test_hostile_input_is_a_422_not_a_database_error(operator: User, contact: Contact) -> None:
    client = client_for(operator)
    huge = 2**70
    assert client.get(f"/api/contacts/{huge}").status_code == 422
    assert client.get("/api/contacts", {"organisation_id": str(huge)}).status_code == 422
    assert post(client, f"/api/contacts/{contact.pk}/merge", {"duplicate_id": huge}).status_code == 422
    response = post(client, "/api/contacts", {"full_name": "Иван\x00ов"})
    assert (response.status_code, response.json()["field"]) == (422, "full_name")
    assert client.get("/api/contacts", {"q": "ив\x00"}).status_code == 422
    assert client.get("/api/contacts/lookup", {"phone": "8912\x003456789"}).status_code == 422
