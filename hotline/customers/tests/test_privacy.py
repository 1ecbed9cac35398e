from __future__ import annotations

import json

import pytest

from hotline.core.errors import Conflict, Forbidden
from hotline.core.models import AuditLog, User
from hotline.core.tests.factories import CustomerUserFactory
from hotline.customers import registry, services
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.tests.conftest import published
from hotline.customers.tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(operator: User) -> Contact:
    user = CustomerUserFactory.create(username="ivanov@example.ru", email="ivanov@example.ru")
    contact = services.create_contact(
        actor=operator,
        last_name="Иванов",
        first_name="Иван",
        phones=["+79123456789"],
        emails=["ivanov@example.ru"],
        messengers=[services.NewMessenger(kind="telegram", external_id="ivanov")],
        tags=["должник"],
        notes="Живёт на ул. Ленина, 1",
        organisation=OrganisationFactory.create(),
        user=user,
    )
    services.record_consent(actor=operator, contact=contact, source="устно по телефону")
    return contact


def test_export_holds_everything_incl_upper_apps_data_and_is_audited(
    isolated_registry: None, supervisor: User, person: Contact
) -> None:
    registry.register_export_provider("fake", lambda c: {"tickets": [{"subject": f"заявка контакта {c.pk}"}]})
    merged = ContactFactory.create(full_name="Иванов И.")
    merged_phone = merged.phones.get().e164
    services.merge_contacts(actor=supervisor, survivor=person, duplicate=merged)

    data = services.export_contact(actor=supervisor, contact=person)

    json.dumps(data)  # plain JSON, ready to hand over
    assert data["contact"]["full_name"] == "Иванов Иван"
    assert data["contact"]["notes"] == "Живёт на ул. Ленина, 1"
    assert [p["e164"] for p in data["phones"]] == ["+79123456789", merged_phone]
    assert data["emails"][0]["email"] == "ivanov@example.ru"
    assert data["messengers"] == [{"kind": "telegram", "external_id": "ivanov"}]
    assert data["tags"] == ["должник"]
    assert data["consent"]["history"][0]["source"] == "устно по телефону"
    assert data["portal_account"]["email"] == "ivanov@example.ru"
    assert [m["full_name"] for m in data["merged_from"]] == ["Иванов И."]
    assert data["related"]["fake"] == {"tickets": [{"subject": f"заявка контакта {person.pk}"}]}
    assert {"create", "merge"} <= {row["action"] for row in data["processing_log"]}
    assert AuditLog.objects.filter(action="export", object_id=str(person.pk), actor=supervisor).count() == 1


@pytest.mark.parametrize("role", ["operator", "specialist", "customer"])
def test_only_supervisors_and_admins_export(request: pytest.FixtureRequest, role: str, person: Contact) -> None:
    with pytest.raises(Forbidden):
        services.export_contact(actor=request.getfixturevalue(role), contact=person)
    assert not AuditLog.objects.filter(action="export").exists()


def test_erase_anonymises_and_tells_upper_apps(admin: User, person: Contact) -> None:
    user = person.user
    assert user is not None

    services.erase_contact(actor=admin, contact=person, reason="заявление № 12 от 01.03")

    person.refresh_from_db()
    user.refresh_from_db()
    assert person.full_name == f"Удалённый контакт #{person.pk}"
    assert (person.last_name, person.first_name, person.middle_name, person.notes) == ("", "", "", "")
    assert person.erased_at is not None
    assert person.organisation is None
    assert not person.phones.exists()
    assert not person.emails.exists()
    assert not person.messengers.exists()
    assert not person.tags.exists()
    assert not user.is_active
    assert not user.has_usable_password()
    assert "ivanov" not in user.username
    assert user.email == ""
    assert not person.has_consent
    assert ConsentRecord.objects.filter(contact=person, action="withdrawn").exists()  # evidence kept
    assert published("customers.ContactErased") == [{"actor_id": admin.pk, "contact_id": person.pk}]
    # The desk adds its own erase row for what it scrubbed; ours carries the legal basis.
    assert AuditLog.objects.filter(
        action="erase", object_id=str(person.pk), actor=admin, summary="заявление № 12 от 01.03"
    ).exists()


def test_erase_also_erases_the_cards_merged_into_it(supervisor: User, person: Contact) -> None:
    old_card = ContactFactory.create(full_name="Иванов Иван Старый")
    services.merge_contacts(actor=supervisor, survivor=person, duplicate=old_card)

    services.erase_contact(actor=supervisor, contact=person)

    old_card.refresh_from_db()
    assert old_card.full_name == f"Удалённый контакт #{old_card.pk}"
    assert old_card.erased_at is not None
    assert sorted(e["contact_id"] for e in published("customers.ContactErased")) == sorted([person.pk, old_card.pk])


def test_erase_refusals(operator: User, supervisor: User, person: Contact) -> None:
    with pytest.raises(Forbidden):
        services.erase_contact(actor=operator, contact=person)
    person.refresh_from_db()
    assert person.erased_at is None
    services.erase_contact(actor=supervisor, contact=person)
    with pytest.raises(Conflict):
        services.erase_contact(actor=supervisor, contact=person)
    with pytest.raises(Conflict):
        services.add_phone(actor=operator, contact=person, number="+79123456789")
    with pytest.raises(Conflict):
        services.merge_contacts(actor=supervisor, survivor=ContactFactory.create(), duplicate=person)


def test_an_erased_contact_is_not_found_by_its_old_phone(supervisor: User, person: Contact) -> None:
    services.erase_contact(actor=supervisor, contact=person)
    new = services.find_or_create_contact_by_phone(actor=None, phone="+79123456789")
    assert new != person
