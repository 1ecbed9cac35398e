"""230-ФЗ message limits (2 a day, 4 a week, 16 a month, not at night) and what campaigns do when contacts are
merged, erased or withdraw consent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline.campaigns.choices import LeadStatus, Rule
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.models import Attempt, CallList, Campaign, DebtorMessage, Lead
from hotline.campaigns.services.messages import record_debtor_message
from hotline.campaigns.tests.factories import make_lead
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import User
from hotline.customers.services import erase_contact, merge_contacts, record_consent, withdraw_consent
from hotline.customers.tests.factories import ContactFactory

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def legal(debt_campaign: Campaign) -> Campaign:
    Campaign.objects.filter(pk=debt_campaign.pk).update(workday_start=time(8), workday_end=time(22))
    debt_campaign.refresh_from_db()
    return debt_campaign


def send(operator: User, lead: Lead, at: datetime) -> DebtorMessage:
    with time_machine.travel(at, tick=False):
        return record_debtor_message(actor=operator, lead=lead, channel="sms", text="Напоминаем о задолженности")


def test_two_messages_a_day_four_a_week_sixteen_a_month(legal: Campaign, debt_list: CallList, operator: User) -> None:
    lead = make_lead(debt_list, "+74951111111")
    send(operator, lead, datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    send(operator, lead, datetime(2026, 3, 2, 11, 0, tzinfo=MSK))
    with pytest.raises(Conflict) as daily:
        send(operator, lead, datetime(2026, 3, 2, 12, 0, tzinfo=MSK))
    assert daily.value.code == f"refused:{Rule.DEBT_DAY}"
    send(operator, lead, datetime(2026, 3, 3, 10, 0, tzinfo=MSK))
    send(operator, lead, datetime(2026, 3, 3, 11, 0, tzinfo=MSK))
    with pytest.raises(Conflict) as week:
        send(operator, lead, datetime(2026, 3, 4, 10, 0, tzinfo=MSK))
    assert week.value.code == f"refused:{Rule.DEBT_WEEK}"
    for monday in (9, 16, 23):  # 4 more a week fill the month's 16
        for day in range(2):
            for hour in (10, 11):
                send(operator, lead, datetime(2026, 3, monday + 1 + day, hour, 0, tzinfo=MSK))
    with pytest.raises(Conflict) as month:
        send(operator, lead, datetime(2026, 3, 30, 10, 0, tzinfo=MSK))
    assert month.value.code == f"refused:{Rule.DEBT_MONTH}"
    send(operator, lead, datetime(2026, 4, 1, 10, 0, tzinfo=MSK))
    assert DebtorMessage.objects.count() == 17


def test_no_messages_to_debtors_at_night_in_their_time(legal: Campaign, debt_list: CallList, operator: User) -> None:
    lead = make_lead(debt_list, "+74232123456")  # Vladivostok
    with pytest.raises(Conflict):
        send(operator, lead, datetime(2026, 3, 2, 16, 0, tzinfo=MSK))  # 23:00 there
    send(operator, lead, datetime(2026, 3, 2, 10, 0, tzinfo=MSK))


def test_a_message_needs_a_channel_and_text(legal: Campaign, debt_list: CallList, operator: User) -> None:
    lead = make_lead(debt_list, "+74951111111")
    with pytest.raises(ValidationFailed):
        record_debtor_message(actor=operator, lead=lead, channel="pigeon", text="x")
    with pytest.raises(ValidationFailed):
        record_debtor_message(actor=operator, lead=lead, channel="sms", text="  ")


def test_merged_contacts_share_one_230_count(legal: Campaign, debt_list: CallList, supervisor: User) -> None:
    survivor, duplicate = ContactFactory.create(), ContactFactory.create()
    other_list = CallList.objects.create(campaign=legal, name="Второй", source="csv")
    kept = make_lead(debt_list, "+74951111111", contact=survivor)
    moved = make_lead(other_list, "+74952222222", contact=duplicate)
    Attempt.objects.create(
        lead=moved,
        campaign=legal,
        debtor_key=moved.debtor_key,
        mode="preview",
        state="ended",
        connected=True,
        phone=moved.phone,
        started_at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK),
    )
    merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    moved.refresh_from_db()
    assert moved.contact_id == survivor.pk
    assert moved.debtor_key == f"contact:{survivor.pk}"
    with time_machine.travel(datetime(2026, 3, 2, 15, 0, tzinfo=MSK), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=kept.pk))
    assert verdict.rules == [Rule.DEBT_DAY]  # the duplicate's conversation counts for the same person


def test_an_erased_contact_leaves_no_personal_data_in_leads(info_list: CallList, supervisor: User) -> None:
    contact = ContactFactory.create()
    lead = make_lead(info_list, "+74951111111", contact=contact, name="Иванов", address="Москва", data={"Сумма": "10"})
    erase_contact(actor=supervisor, contact=contact, reason="просьба клиента")
    lead.refresh_from_db()
    assert (lead.name, lead.address, lead.data, lead.status) == ("", "", {}, LeadStatus.STOPPED)


def test_withdrawn_consent_stops_the_contacts_leads(info_list: CallList, supervisor: User) -> None:
    contact = ContactFactory.create()
    record_consent(
        actor=supervisor, contact=contact, source="договор", at=datetime(2026, 1, 1, tzinfo=MSK) - timedelta(days=1)
    )
    lead = make_lead(info_list, "+74951111111", contact=contact)
    withdraw_consent(actor=supervisor, contact=contact, source="заявление")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.STOPPED
