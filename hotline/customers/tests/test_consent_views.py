"""Consents on the contact card: an agent records and withdraws them (with how they were obtained), all audited."""

from __future__ import annotations

from django.test import Client

from hotline.core.models import AuditLog, User
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.selectors import has_advertising_consent
from hotline.customers.tests.conftest import client_for


def _post(client: Client, contact: Contact, **data: str) -> str:
    response = client.post(f"/contacts/{contact.pk}/consent/", data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_records_and_withdraws_advertising_consent_on_the_card(operator: User, contact: Contact) -> None:
    client = client_for(operator)
    card = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "На рекламные звонки и сообщения (38-ФЗ)" in card
    assert "Записать согласие" in card

    page = _post(client, contact, kind="ads", action="grant", source="анкета на портале №17")
    assert "Согласие на рекламу записано" in page
    assert "анкета на портале №17" in page
    assert has_advertising_consent(contact)

    page = _post(client, contact, kind="ads", action="withdraw", source="звонок 26.11")
    assert "Отзыв согласия на рекламу записан" in page
    assert not has_advertising_consent(contact)
    kinds = list(ConsentRecord.objects.filter(contact=contact).order_by("at", "id").values_list("kind", "action"))
    assert kinds == [("advertising", "granted"), ("advertising", "withdrawn")]
    assert AuditLog.objects.filter(summary__startswith="advertising consent", actor=operator).count() == 2


def test_consent_without_its_source_is_refused_with_the_reason(operator: User, contact: Contact) -> None:
    page = _post(client_for(operator), contact, kind="pd", action="grant", source="  ")
    assert "Укажите, как получено согласие" in page
    contact.refresh_from_db()
    assert not contact.has_consent

    page = _post(client_for(operator), contact, kind="pd", action="grant", source="устно по телефону")
    saved = Contact.objects.get(pk=contact.pk)
    assert saved.has_consent
    assert saved.pd_consent_source == "устно по телефону"
    assert "Отозвать" in page


def test_a_customer_cannot_use_the_agent_card(customer: User, contact: Contact) -> None:
    response = client_for(customer).post(f"/contacts/{contact.pk}/consent/", {"kind": "ads", "action": "grant"})
    assert response.status_code in (302, 403)
    assert not ConsentRecord.objects.filter(contact=contact).exists()
