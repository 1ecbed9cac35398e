"""The desk's answers to the customer base's events, and what it adds to a contact's card."""

from __future__ import annotations

import pytest

from hotline.core.models import AuditLog, User
from hotline.customers import registry
from hotline.customers.models import Contact
from hotline.customers.selectors import contact_timeline
from hotline.customers.services.merge import merge_contacts
from hotline.customers.services.privacy import erase_contact, export_contact
from hotline.desk.choices import Channel, CustomFieldType, ResolutionCode
from hotline.desk.models import Message, Queue, SatisfactionRating, Ticket, TicketHistory
from hotline.desk.services.messages import add_reply
from hotline.desk.services.rating import rate_ticket
from hotline.desk.services.tickets import open_ticket
from hotline.desk.services.workflow import resolve_ticket
from hotline.desk.tests.factories import CategoryFactory, ContactFactory, CustomFieldDefinitionFactory

pytestmark = pytest.mark.django_db


def test_merging_contacts_moves_their_tickets_messages_ratings_and_watching(
    operator: User, admin_user: User, line1: Queue
) -> None:
    survivor = ContactFactory.create()
    duplicate = ContactFactory.create()
    own = open_ticket(
        actor=operator, subject="Счётчик", description="Не крутится", channel=Channel.PHONE, contact=duplicate
    )
    resolve_ticket(actor=operator, ticket=own, resolution_code=ResolutionCode.SOLVED)
    rate_ticket(actor=None, ticket=own, score=5)
    both_watch = open_ticket(actor=operator, subject="Подъезд", channel=Channel.PHONE)
    both_watch.watcher_contacts.add(survivor, duplicate)
    only_dup_watches = open_ticket(actor=operator, subject="Лифт", channel=Channel.PHONE)
    only_dup_watches.watcher_contacts.add(duplicate)

    merge_contacts(actor=admin_user, survivor=survivor, duplicate=duplicate)

    own.refresh_from_db()
    assert own.contact == survivor
    assert Message.objects.get(ticket=own, body_text="Не крутится").author_contact == survivor
    assert SatisfactionRating.objects.get(ticket=own).contact == survivor
    assert list(both_watch.watcher_contacts.all()) == [survivor]
    assert list(only_dup_watches.watcher_contacts.all()) == [survivor]
    assert TicketHistory.objects.filter(ticket=own, action="contact_merged").exists()
    assert not Ticket.objects.filter(contact=duplicate).exists()


def test_erasing_a_contact_keeps_tickets_and_scrubs_the_rest(operator: User, admin_user: User, line1: Queue) -> None:
    person = ContactFactory.create()
    category = CategoryFactory.create()
    CustomFieldDefinitionFactory.create(
        category=category, key="callback", label="Перезвонить", field_type=CustomFieldType.PHONE
    )
    CustomFieldDefinitionFactory.create(
        category=category, key="flat", label="Квартира", field_type=CustomFieldType.INTEGER
    )
    ticket = open_ticket(
        actor=operator,
        subject="Протечка",
        channel=Channel.PHONE,
        contact=person,
        category=category,
        custom_fields={"callback": "+7 912 345-67-89", "flat": 12},
    )
    resolve_ticket(actor=operator, ticket=ticket, resolution_code=ResolutionCode.SOLVED)
    rate_ticket(actor=None, ticket=ticket, score=2, comment="Иванова из 12-й квартиры недовольна")
    watched = open_ticket(actor=operator, subject="Общедомовое", channel=Channel.PHONE)
    watched.watcher_contacts.add(person)

    erase_contact(actor=admin_user, contact=person, reason="заявление субъекта")

    ticket.refresh_from_db()
    assert ticket.contact_id == person.pk  # kept for statistics; the contact itself is anonymised
    assert ticket.custom_fields == {"flat": 12}
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (2, "")
    assert not watched.watcher_contacts.exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.ERASE, summary__startswith="desk:").exists()


def test_the_contact_card_shows_desk_tickets_and_exports_them(
    operator: User, admin_user: User, customer: User, line1: Queue
) -> None:
    assert "desk" in registry.timeline_providers()
    assert "desk" in registry.export_providers()
    contact: Contact = customer.contact
    ticket = open_ticket(actor=customer, subject="Нет отопления", description="Холодно", channel=Channel.PORTAL)
    add_reply(actor=customer, ticket=ticket, body_text="Уже неделю")

    items = contact_timeline(operator, contact)
    desk_items = [item for item in items if item.source == "desk"]
    assert {item.kind for item in desk_items} == {"ticket", "message"}
    assert any(ticket.number in item.title for item in desk_items)

    exported = export_contact(actor=admin_user, contact=contact)["related"]["desk"]
    assert [t["number"] for t in exported["tickets"]] == [ticket.number]
    assert [m["text"] for m in exported["messages"]] == ["Холодно", "Уже неделю"]
