from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core import events
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.tests.factories import CustomerUserFactory
from hotline.customers import registry, selectors, services
from hotline.customers.events import ContactsMerged
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.registry import TimelineItem
from hotline.customers.tests.conftest import published
from hotline.customers.tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    MessengerAccountFactory,
    OrganisationFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def test_find_duplicates_by_phone_email_messenger_and_full_name(operator: User, contact: Contact) -> None:
    ContactEmailFactory.create(contact=contact, email="ivanov@example.ru")
    MessengerAccountFactory.create(contact=contact, kind="telegram", external_id="ivanov")
    same_phone = ContactFactory.create(full_name="Ваня", phone__e164="+79123456789")
    same_email = ContactFactory.create(full_name="И. Иванов")
    ContactEmailFactory.create(contact=same_email, email="ivanov@example.ru")
    same_messenger = ContactFactory.create(full_name="ivanov в телеграме")
    MessengerAccountFactory.create(contact=same_messenger, kind="telegram", external_id="ivanov")
    same_name_and_phone = ContactFactory.create(full_name="иванов иван петрович", phone__e164="+79123456789")
    ContactFactory.create(full_name="Иванов Иван")  # a namesake without the patronymic is a different person
    merged_away = ContactFactory.create(full_name="Иванов Иван Петрович")
    Contact.objects.filter(pk=merged_away.pk).update(merged_into=same_phone)

    found = {c.contact.pk: c.reasons for c in services.find_duplicates(actor=operator, contact=contact)}

    assert found == {
        same_name_and_phone.pk: ["phone", "name"],
        same_phone.pk: ["phone"],
        same_email.pk: ["email"],
        same_messenger.pk: ["messenger"],
    }
    assert next(iter(found)) == same_name_and_phone.pk  # most reasons first


def test_a_one_word_name_alone_is_not_a_duplicate(operator: User) -> None:
    one = ContactFactory.create(full_name="Иван")
    ContactFactory.create(full_name="Иван")
    assert services.find_duplicates(actor=operator, contact=one) == []


def test_customers_cannot_look_for_duplicates(customer: User, contact: Contact) -> None:
    with pytest.raises(Forbidden):
        services.find_duplicates(actor=customer, contact=contact)


@pytest.fixture
def pair(operator: User) -> tuple[Contact, Contact]:
    """A survivor and a duplicate of the same person with overlapping and distinct data."""
    survivor = services.create_contact(
        actor=operator,
        full_name="Иванов Иван Петрович",
        phones=["+79123456789"],
        emails=["ivanov@example.ru"],
        tags=["vip"],
        notes="Звонит по вечерам.",
    )
    duplicate = services.create_contact(
        actor=operator,
        full_name="Иванов И. П.",
        phones=["8 912 345-67-89", "+7 495 123-45-67 доб. 7"],
        emails=["IVANOV@example.ru", "i.ivanov@work.ru"],
        messengers=[services.NewMessenger(kind="telegram", external_id="@ivanov")],
        tags=["vip", "жалоба"],
        notes="Просил не звонить до 10.",
        organisation=OrganisationFactory.create(name="ООО «Ромашка»"),
        position="главный инженер",
    )
    return survivor, duplicate


def test_merge_moves_everything_without_duplicates(supervisor: User, pair: tuple[Contact, Contact]) -> None:
    survivor, duplicate = pair

    result = services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)

    assert result == survivor
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert sorted(survivor.phones.values_list("e164", "extension", "is_primary")) == [
        ("+74951234567", "7", False),
        ("+79123456789", "", True),
    ]
    assert sorted(survivor.emails.values_list("email", flat=True)) == ["i.ivanov@work.ru", "ivanov@example.ru"]
    assert list(survivor.messengers.values_list("kind", "external_id")) == [("telegram", "ivanov")]
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["vip", "жалоба"]
    assert "Звонит по вечерам." in survivor.notes
    assert "Просил не звонить до 10." in survivor.notes
    assert survivor.organisation is not None
    assert survivor.organisation.name == "ООО «Ромашка»"
    assert survivor.position == "главный инженер"
    assert survivor.full_name == "Иванов Иван Петрович"  # the survivor's own name wins

    assert duplicate.merged_into == survivor
    assert duplicate.merged_at is not None
    assert not duplicate.is_active
    assert not duplicate.phones.exists()
    assert not duplicate.emails.exists()
    assert not duplicate.tags.exists()
    assert duplicate.notes == ""
    assert duplicate.full_name == "Иванов И. П."  # kept so the history says who was merged

    assert published("customers.ContactsMerged") == [
        {"actor_id": supervisor.pk, "survivor_id": survivor.pk, "duplicate_id": duplicate.pk}
    ]
    rows = AuditLog.objects.filter(action="merge").values_list("object_id", flat=True)
    assert sorted(rows) == sorted([str(survivor.pk), str(duplicate.pk)])


def test_merge_runs_upper_apps_and_the_history_follows(
    isolated_registry: None, supervisor: User, pair: tuple[Contact, Contact]
) -> None:
    """A stand-in for an upper app (like the desk): it holds items per contact, moves them on
    ``ContactsMerged`` inside the merge's transaction and feeds the timeline through the registry."""
    survivor, duplicate = pair
    held: dict[int, list[str]] = defaultdict(list)
    held[duplicate.pk] = ["Заявка HL-000001", "Звонок 12.03"]
    held[survivor.pk] = ["Заявка HL-000002"]
    calls: list[int] = []

    def move(event: ContactsMerged) -> None:
        held[event.survivor_id] += held.pop(event.duplicate_id, [])

    def timeline(contact: Contact, limit: int) -> list[TimelineItem]:
        calls.append(contact.pk)
        now = timezone.now()
        return [
            TimelineItem(at=now - timedelta(minutes=i), kind="ticket", title=title)
            for i, title in enumerate(held[contact.pk][:limit])
        ]

    events.subscribe(ContactsMerged, move, mode="sync")
    registry.register_timeline_provider("fake", timeline)

    services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)

    items = selectors.contact_timeline(supervisor, survivor, limit=10)
    fake = [item.title for item in items if item.source == "fake"]
    assert sorted(fake) == ["Заявка HL-000001", "Заявка HL-000002", "Звонок 12.03"]
    assert calls == [survivor.pk]
    merge_item = next(item for item in items if item.kind == "merge")
    assert str(duplicate.pk) in merge_item.title


def test_the_portal_account_and_the_latest_consent_move_to_the_survivor(
    supervisor: User, pair: tuple[Contact, Contact]
) -> None:
    survivor, duplicate = pair
    user = CustomerUserFactory.create()
    Contact.objects.filter(pk=duplicate.pk).update(user=user)
    services.record_consent(actor=supervisor, contact=duplicate, source="форма на портале")

    services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)

    survivor.refresh_from_db()
    assert survivor.user == user
    assert survivor.has_consent
    assert survivor.pd_consent_source == "форма на портале"
    assert ConsentRecord.objects.filter(contact=survivor).count() == 1


def test_earlier_merges_are_repointed_so_merged_into_is_never_a_chain(
    supervisor: User, pair: tuple[Contact, Contact]
) -> None:
    survivor, duplicate = pair
    older = ContactFactory.create()
    services.merge_contacts(actor=supervisor, survivor=duplicate, duplicate=older)
    services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    older.refresh_from_db()
    assert older.merged_into == survivor


def test_merge_refusals(operator: User, supervisor: User, pair: tuple[Contact, Contact]) -> None:
    survivor, duplicate = pair
    with pytest.raises(Forbidden):
        services.merge_contacts(actor=operator, survivor=survivor, duplicate=duplicate)
    with pytest.raises(ValidationFailed) as err:
        services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=survivor)
    assert err.value.field == "duplicate_id"

    services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    with pytest.raises(Conflict) as conflict:
        services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    assert conflict.value.field == "duplicate_id"
    with pytest.raises(Conflict):
        services.merge_contacts(actor=supervisor, survivor=duplicate, duplicate=ContactFactory.create())


def test_two_portal_accounts_are_not_merged_silently(supervisor: User, pair: tuple[Contact, Contact]) -> None:
    survivor, duplicate = pair
    Contact.objects.filter(pk=survivor.pk).update(user=CustomerUserFactory.create())
    Contact.objects.filter(pk=duplicate.pk).update(user=CustomerUserFactory.create())
    with pytest.raises(Conflict):
        services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert duplicate.phones.count() == 2  # the refusal rolled everything back


def test_tags_shared_by_both_stay_single(supervisor: User) -> None:
    tag = TagFactory.create(name="vip")
    survivor, duplicate = ContactFactory.create(), ContactFactory.create()
    survivor.tags.add(tag)
    duplicate.tags.add(tag)
    services.merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    assert list(survivor.tags.values_list("name", flat=True)) == ["vip"]
