"""38-ФЗ «О рекламе» art. 18: a win-back or promotional campaign calls only people who gave prior consent to
advertising — rows without it are rejected at import with the reason, leads without it are never dialled (the
agent and the supervisor see why), and a revocation in the middle of the campaign stops the calls at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from time_machine import Traveller

from hotline.campaigns.choices import CampaignKind, ImportStatus, LeadStatus, RejectReason, Rule
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.models import Campaign, Lead
from hotline.campaigns.services import dialer, imports
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory, make_lead
from hotline.core.errors import Conflict
from hotline.core.models import User
from hotline.customers.models import Contact
from hotline.customers.services import record_advertising_consent, withdraw_advertising_consent
from hotline.customers.tests.factories import ContactFactory, ContactPhoneFactory

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
MSK = ZoneInfo("Europe/Moscow")
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)


@pytest.fixture
def frozen() -> Iterator[Traveller]:
    with time_machine.travel(MONDAY_NOON, tick=False) as traveller:
        yield traveller


def person(phone: str, *, consent: str = "") -> Contact:
    """A contact with ``phone``; consent: "" none, "granted", "revoked"."""
    contact = ContactFactory.create()
    ContactPhoneFactory.create(contact=contact, e164=phone)
    if consent:
        record_advertising_consent(
            actor=None, contact=contact, source="анкета в офисе", at=MONDAY_NOON - timedelta(days=30)
        )
    if consent == "revoked":
        withdraw_advertising_consent(actor=None, contact=contact, at=MONDAY_NOON - timedelta(days=1))
    return contact


@pytest.fixture
def promo(db: None) -> Campaign:
    return CampaignFactory.create(kind=CampaignKind.ADVERTISING, code="spring-promo", name="Весенняя акция")


def test_import_rejects_every_row_without_consent_to_advertising_and_says_why(
    frozen: Traveller, supervisor: User, promo: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    person("+74951111111", consent="granted")
    person("+74952222222")
    person("+74953333333", consent="revoked")
    rows = [
        "ФИО;Телефон",
        "Согласна;+7 495 111-11-11",  # 2: consent given
        "Не давал;+7 495 222-22-22",  # 3: a customer, no consent
        "Отозвала;+7 495 333-33-33",  # 4: consent revoked
        "Неизвестный;+7 495 444-44-44",  # 5: not a customer: no consent on record
    ]
    job = imports.upload_list(
        actor=supervisor, campaign=promo, upload=SimpleUploadedFile("акция.csv", "\n".join(rows).encode())
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(actor=supervisor, job=job, mapping=job.mapping, list_name="Весна")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.imported_rows, job.rejected_rows) == (1, 3)
    rejected = {r.row_number: (r.reason, r.message) for r in job.rejections.all()}
    assert {n: reason for n, (reason, _m) in rejected.items()} == {
        3: RejectReason.NO_AD_CONSENT,
        4: RejectReason.NO_AD_CONSENT,
        5: RejectReason.NO_AD_CONSENT,
    }
    assert "не давал" in rejected[3][1]
    assert "отозвал" in rejected[4][1]
    assert "не связан" in rejected[5][1]
    assert list(Lead.objects.values_list("phone", flat=True)) == ["+74951111111"]


def test_an_information_campaign_needs_no_consent_to_advertising(
    frozen: Traveller, supervisor: User, info_campaign: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    person("+74952222222")
    job = imports.upload_list(
        actor=supervisor,
        campaign=info_campaign,
        upload=SimpleUploadedFile("инфо.csv", "ФИО;Телефон\nНе давал;+7 495 222-22-22".encode()),
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(actor=supervisor, job=job, mapping=job.mapping)
    job.refresh_from_db()
    assert (job.imported_rows, job.rejected_rows) == (1, 0)


def test_the_picker_never_dials_a_lead_without_consent(frozen: Traveller, operator: User, promo: Campaign) -> None:
    call_list = CallListFactory.create(campaign=promo)
    # Leads that reached the list another way (made before consent was checked, an older import).
    without = make_lead(call_list, "+74952222222", contact=person("+74952222222"), priority=5)
    unlinked = make_lead(call_list, "+74954444444", priority=4)
    allowed = make_lead(call_list, "+74951111111", contact=person("+74951111111", consent="granted"))

    verdict = check_lead(Lead.objects.get(pk=without.pk), agent=operator)
    assert verdict.rules == [Rule.NO_AD_CONSENT]
    assert "не давал" in verdict.refusals[0].message

    dialer.join_campaign(actor=operator, campaign=promo)
    picked = dialer.next_lead(actor=operator)
    assert picked.lead == allowed
    assert picked.held_back[Rule.NO_AD_CONSENT] == 2
    assert Lead.objects.get(pk=without.pk).status == LeadStatus.STOPPED
    assert Lead.objects.get(pk=unlinked.pk).status == LeadStatus.STOPPED


def test_a_revocation_in_the_middle_of_the_campaign_stops_the_calls_at_once(
    frozen: Traveller, operator: User, promo: Campaign
) -> None:
    call_list = CallListFactory.create(campaign=promo)
    on_screen = person("+74951111111", consent="granted")
    waiting = person("+74952222222", consent="granted")
    shown = make_lead(call_list, "+74951111111", contact=on_screen, priority=5)
    queued = make_lead(call_list, "+74952222222", contact=waiting)
    dialer.join_campaign(actor=operator, campaign=promo)
    assert dialer.next_lead(actor=operator).lead == shown  # on the agent's screen now

    # Both call the contact centre and revoke their consent to advertising.
    withdraw_advertising_consent(actor=operator, contact=on_screen, source="позвонил на горячую линию")
    withdraw_advertising_consent(actor=operator, contact=waiting, source="письмо")

    assert Lead.objects.get(pk=queued.pk).status == LeadStatus.STOPPED
    with pytest.raises(Conflict) as refused:
        dialer.dial_lead(actor=operator, lead=shown)
    assert refused.value.code == f"refused:{Rule.NO_AD_CONSENT}"
    assert "отозвал согласие на рекламу" in refused.value.message
    assert dialer.next_lead(actor=operator).lead is None


def test_consent_given_later_lets_the_leads_stopped_for_its_want_be_called_again(
    frozen: Traveller, operator: User, promo: Campaign
) -> None:
    call_list = CallListFactory.create(campaign=promo)
    later = person("+74952222222")  # no consent yet
    revoked = person("+74953333333", consent="granted")
    waiting = make_lead(call_list, "+74952222222", contact=later)
    queued = make_lead(call_list, "+74953333333", contact=revoked)
    by_hand = make_lead(call_list, "+74954444444", contact=person("+74954444444"))
    Lead.objects.filter(pk=by_hand.pk).update(status=LeadStatus.STOPPED)  # a supervisor stopped it: stays so

    withdraw_advertising_consent(actor=operator, contact=revoked, source="письмо")
    assert Lead.objects.get(pk=queued.pk).status == LeadStatus.STOPPED
    dialer.join_campaign(actor=operator, campaign=promo)
    assert dialer.next_lead(actor=operator).lead is None  # and `waiting` is stopped for the want of consent
    assert Lead.objects.get(pk=waiting.pk).status == LeadStatus.STOPPED

    record_advertising_consent(actor=operator, contact=later, source="анкета на портале")
    record_advertising_consent(actor=operator, contact=revoked, source="передумал, звонок 02.03")

    assert Lead.objects.get(pk=waiting.pk).status == LeadStatus.NEW
    assert Lead.objects.get(pk=queued.pk).status == LeadStatus.NEW
    assert Lead.objects.get(pk=by_hand.pk).status == LeadStatus.STOPPED
    assert dialer.next_lead(actor=operator).lead in (waiting, queued)
