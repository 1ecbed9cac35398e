"""Merge, split, links and watchers."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import LinkKind, MessageKind, ResolutionCode, Status
from hotline.desk.models import Message, Queue, Ticket, TicketHistory, TicketLink
from hotline.desk.services.messages import add_note, add_reply
from hotline.desk.services.relations import (
    add_watcher,
    link_tickets,
    merge_tickets,
    remove_watcher,
    split_ticket,
    unlink_tickets,
)
from hotline.desk.services.tickets import set_tags
from hotline.desk.tests.factories import ContactFactory, TicketFactory
from hotline.desk.tests.helpers import assert_trail

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(ticket: Ticket) -> Ticket:
    """The same problem reported again by a colleague of the customer, in the same queue."""
    return TicketFactory.create(queue=ticket.queue, contact=ContactFactory.create(), subject="Принтер опять")


class TestMerge:
    def test_messages_watchers_and_tags_move_and_the_source_closes(
        self, operator: User, other_operator: User, ticket: Ticket, duplicate: Ticket
    ) -> None:
        add_reply(actor=None, ticket=duplicate, body_text="И у нас не печатает")
        add_note(actor=operator, ticket=duplicate, body_text="Тот же принтер")
        duplicate.watchers.add(other_operator)
        set_tags(actor=operator, ticket=duplicate, tags=["принтер"])

        target = merge_tickets(actor=operator, source=duplicate, target=ticket)
        duplicate.refresh_from_db()

        assert target == ticket
        assert duplicate.merged_into == ticket
        assert duplicate.status == Status.CLOSED
        assert duplicate.resolution_code == ResolutionCode.DUPLICATE
        moved = Message.objects.filter(ticket=ticket).exclude(kind=MessageKind.SYSTEM)
        assert {m.body_text for m in moved} == {"И у нас не печатает", "Тот же принтер"}
        assert other_operator in ticket.watchers.all()
        assert duplicate.contact in ticket.watcher_contacts.all()  # the other reporter hears the outcome
        assert list(ticket.tags.values_list("name", flat=True)) == ["принтер"]
        assert TicketLink.objects.filter(source=duplicate, target=ticket, kind=LinkKind.DUPLICATE).exists()
        assert_trail(ticket, action="merged_from", event="desk.TicketMerged")
        assert Message.objects.filter(ticket=duplicate, kind=MessageKind.SYSTEM).exists()

    def test_refusals(self, operator: User, specialist: User, ticket: Ticket, duplicate: Ticket) -> None:
        with pytest.raises(ValidationFailed):
            merge_tickets(actor=operator, source=ticket, target=ticket)
        with pytest.raises(NotFound):
            merge_tickets(actor=specialist, source=duplicate, target=ticket)
        merge_tickets(actor=operator, source=duplicate, target=ticket)
        with pytest.raises(Conflict):  # already merged
            merge_tickets(actor=operator, source=duplicate, target=ticket)
        third = TicketFactory.create(queue=ticket.queue)
        with pytest.raises(Conflict):  # into a merged (closed) ticket
            merge_tickets(actor=operator, source=third, target=duplicate)

    def test_a_ticket_outside_my_queues_cannot_be_merged_in(self, operator: User, ticket: Ticket, line2: Queue) -> None:
        foreign = TicketFactory.create(queue=line2)
        with pytest.raises(NotFound):
            merge_tickets(actor=operator, source=foreign, target=ticket)
        assert Ticket.objects.get(pk=foreign.pk).merged_into is None


class TestSplit:
    def test_chosen_messages_become_a_child_ticket(self, operator: User, customer: User, ticket: Ticket) -> None:
        first = add_reply(actor=customer, ticket=ticket, body_text="Не печатает принтер")
        second = add_reply(actor=customer, ticket=ticket, body_text="И ещё не работает почта")
        child = split_ticket(actor=operator, ticket=ticket, message_ids=[second.pk], subject="Не работает почта")
        assert child.parent == ticket
        assert child.contact == ticket.contact
        assert child.queue == ticket.queue
        assert child.status == Status.NEW
        assert child.description == "И ещё не работает почта"
        assert list(Message.objects.filter(ticket=child).exclude(kind=MessageKind.SYSTEM)) == [second]
        assert first in Message.objects.filter(ticket=ticket)
        assert_trail(child, action="opened", event="desk.TicketOpened")
        assert ticket.children.get() == child
        assert TicketHistory.objects.filter(ticket=ticket, action="split", new_value=child.number).exists()

    def test_messages_of_another_ticket_are_refused(self, operator: User, ticket: Ticket) -> None:
        other = TicketFactory.create(queue=ticket.queue)
        foreign = add_reply(actor=operator, ticket=other, body_text="Чужое")
        with pytest.raises(ValidationFailed) as err:
            split_ticket(actor=operator, ticket=ticket, message_ids=[foreign.pk], subject="Новая")
        assert err.value.field == "message_ids"
        with pytest.raises(ValidationFailed):
            split_ticket(actor=operator, ticket=ticket, message_ids=[], subject="Новая")


class TestLinks:
    def test_link_and_unlink(self, operator: User, ticket: Ticket, duplicate: Ticket) -> None:
        link = link_tickets(actor=operator, source=ticket, target=duplicate, kind=LinkKind.CAUSED_BY)
        assert (link.source, link.target, link.kind) == (ticket, duplicate, LinkKind.CAUSED_BY)
        assert_trail(ticket, action="linked", event="desk.TicketUpdated")
        assert_trail(duplicate, action="linked", event="desk.TicketUpdated")
        unlink_tickets(actor=operator, link_id=link.pk)
        assert not TicketLink.objects.exists()

    def test_related_is_one_link_whichever_way(self, operator: User, ticket: Ticket, duplicate: Ticket) -> None:
        link_tickets(actor=operator, source=ticket, target=duplicate)
        with pytest.raises(Conflict):
            link_tickets(actor=operator, source=duplicate, target=ticket)
        with pytest.raises(Conflict):
            link_tickets(actor=operator, source=ticket, target=duplicate)

    def test_refusals(self, operator: User, specialist: User, ticket: Ticket, duplicate: Ticket) -> None:
        with pytest.raises(ValidationFailed):
            link_tickets(actor=operator, source=ticket, target=ticket)
        with pytest.raises(ValidationFailed):
            link_tickets(actor=operator, source=ticket, target=duplicate, kind="friends")
        with pytest.raises(NotFound):
            link_tickets(actor=specialist, source=ticket, target=duplicate)
        link = link_tickets(actor=operator, source=ticket, target=duplicate)
        with pytest.raises(NotFound):
            unlink_tickets(actor=specialist, link_id=link.pk)
        with pytest.raises(NotFound):
            unlink_tickets(actor=operator, link_id=999_999)
        ticket.watchers.add(specialist)  # now sees it, still may not change it
        with pytest.raises(Forbidden):
            unlink_tickets(actor=specialist, link_id=link.pk)


class TestWatchers:
    def test_a_colleague_from_another_line_follows_the_ticket(
        self, operator: User, specialist: User, ticket: Ticket
    ) -> None:
        add_watcher(actor=operator, ticket=ticket, user=specialist)
        add_watcher(actor=operator, ticket=ticket, user=specialist)  # twice is once
        assert list(ticket.watchers.all()) == [specialist]
        assert_trail(ticket, action="watcher_added", event="desk.TicketUpdated")
        remove_watcher(actor=specialist, ticket=ticket, user=specialist)  # anyone may stop watching
        assert not ticket.watchers.exists()

    def test_customers_are_not_watchers_and_cannot_add_them(
        self, operator: User, customer: User, ticket: Ticket
    ) -> None:
        with pytest.raises(ValidationFailed):
            add_watcher(actor=operator, ticket=ticket, user=customer)
        with pytest.raises(Forbidden):
            add_watcher(actor=customer, ticket=ticket, user=operator)
