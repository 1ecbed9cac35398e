"""Consent to advertising (38-ФЗ «О рекламе» art. 18): recorded with its date and source, revoked, given again —
each step kept, audited and published; it follows the person through a merge; the API records and revokes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.selectors import has_advertising_consent, latest_advertising_consents
from hotline.customers.services import (
    merge_contacts,
    record_advertising_consent,
    record_consent,
    withdraw_advertising_consent,
)
from hotline.customers.tests.conftest import client_for, published
from hotline.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_granted_revoked_and_granted_again_with_every_step_kept(operator: User, contact: Contact) -> None:
    assert not has_advertising_consent(contact)
    signed = timezone.now() - timedelta(days=3)
    record_advertising_consent(actor=operator, contact=contact, source="анкета № 17", at=signed)
    assert has_advertising_consent(contact)
    withdraw_advertising_consent(actor=operator, contact=contact, source="попросил по телефону")
    assert not has_advertising_consent(contact)
    record_advertising_consent(actor=operator, contact=contact, source="галочка на портале")
    assert has_advertising_consent(contact)

    history = list(
        ConsentRecord.objects.filter(contact=contact, kind=ConsentRecord.Kind.ADVERTISING)
        .order_by("at", "id")
        .values_list("action", "source")
    )
    assert history == [
        ("granted", "анкета № 17"),
        ("withdrawn", "попросил по телефону"),
        ("granted", "галочка на портале"),
    ]
    assert ConsentRecord.objects.get(source="анкета № 17").at == signed
    summaries = list(
        AuditLog.objects.filter(object_type="customers.contact", object_id=str(contact.pk)).values_list(
            "summary", flat=True
        )
    )
    assert summaries.count("advertising consent granted") == 2
    assert "advertising consent withdrawn" in summaries
    assert len(published("customers.AdvertisingConsentWithdrawn")) == 1
    # Consent to personal data is another matter: untouched.
    contact.refresh_from_db()
    assert contact.pd_consent_withdrawn_at is None


def test_refusals(operator: User, contact: Contact) -> None:
    with pytest.raises(Conflict):
        withdraw_advertising_consent(actor=operator, contact=contact)
    with pytest.raises(ValidationFailed) as no_source:
        record_advertising_consent(actor=operator, contact=contact, source="  ")
    assert no_source.value.field == "source"
    with pytest.raises(ValidationFailed) as future:
        record_advertising_consent(
            actor=operator, contact=contact, source="анкета", at=timezone.now() + timedelta(days=1)
        )
    assert future.value.field == "at"


def test_personal_data_consent_alone_is_not_consent_to_advertising(operator: User, contact: Contact) -> None:
    record_consent(actor=operator, contact=contact, source="устно по телефону")
    assert not has_advertising_consent(contact)


def test_the_consent_follows_the_person_through_a_merge(supervisor: User) -> None:
    survivor, duplicate = ContactFactory.create(), ContactFactory.create()
    record_advertising_consent(actor=supervisor, contact=duplicate, source="анкета № 5")
    merge_contacts(actor=supervisor, survivor=survivor, duplicate=duplicate)
    assert latest_advertising_consents([survivor.pk])[survivor.pk].source == "анкета № 5"


def test_the_api_records_and_revokes_it(operator: User, contact: Contact) -> None:
    api = client_for(operator)
    url = f"/api/contacts/{contact.pk}/advertising-consent"
    assert api.post(url, {"source": "анкета № 9"}, content_type="application/json").status_code == 200
    assert has_advertising_consent(contact)
    assert api.post(url + "/withdraw", {}, content_type="application/json").status_code == 200
    assert not has_advertising_consent(contact)
    again = api.post(url + "/withdraw", {}, content_type="application/json")
    assert again.status_code == 409
