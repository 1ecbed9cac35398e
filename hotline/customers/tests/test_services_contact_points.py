from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers import services
from hotline.customers.models import ConsentRecord, Contact
from hotline.customers.tests.conftest import published
from hotline.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_add_phone_stores_e164_and_extension_apart(operator: User, contact: Contact) -> None:
    phone = services.add_phone(actor=operator, contact=contact, number="8 (495) 123-45-67, доб. 45", kind="work")
    assert (phone.e164, phone.extension, phone.is_primary) == ("+74951234567", "45", False)
    audit = AuditLog.objects.filter(object_id=str(contact.pk), action="update").get()
    assert audit.changes == {"fields": ["phones"]}
    assert "495" not in audit.summary  # the audit log itself holds no personal data
    assert published("customers.ContactUpdated")[-1]["fields"] == ["phones"]


def test_the_same_number_twice_is_a_conflict_in_any_format(operator: User, contact: Contact) -> None:
    with pytest.raises(Conflict) as err:
        services.add_phone(actor=operator, contact=contact, number="8 912 345-67-89")
    assert err.value.field == "number"


def test_a_bad_phone_names_the_field(operator: User, contact: Contact) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.add_phone(actor=operator, contact=contact, number="8 (912) 345")
    assert err.value.field == "number"


def test_primary_phone_moves_when_asked_and_when_removed(operator: User, contact: Contact) -> None:
    first = contact.phones.get()
    second = services.add_phone(actor=operator, contact=contact, number="+79001112233", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    services.remove_phone(actor=operator, contact=contact, phone_id=second.pk)
    first.refresh_from_db()
    assert first.is_primary
    assert list(contact.phones.all()) == [first]


def test_removing_someone_elses_phone_is_not_found(operator: User, contact: Contact) -> None:
    stranger = ContactFactory.create()
    with pytest.raises(NotFound):
        services.remove_phone(actor=operator, contact=contact, phone_id=stranger.phones.get().pk)
    assert stranger.phones.count() == 1


def test_emails_are_lower_cased_unique_and_removable(operator: User, contact: Contact) -> None:
    row = services.add_email(actor=operator, contact=contact, email=" Ivan.Ivanov@Mail.RU ")
    assert (row.email, row.is_primary) == ("ivan.ivanov@mail.ru", True)
    with pytest.raises(Conflict):
        services.add_email(actor=operator, contact=contact, email="IVAN.IVANOV@mail.ru")
    with pytest.raises(ValidationFailed) as err:
        services.add_email(actor=operator, contact=contact, email="ivan@@mail")
    assert err.value.field == "email"
    services.remove_email(actor=operator, contact=contact, email_id=row.pk)
    assert not contact.emails.exists()
    with pytest.raises(NotFound):
        services.remove_email(actor=operator, contact=contact, email_id=row.pk)


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("telegram", "@Ivan_Petrov", "ivan_petrov"),
        ("telegram", "https://t.me/Ivan_Petrov", "ivan_petrov"),
        ("telegram", "123456789", "123456789"),
        ("whatsapp", "8 912 345-67-89", "+79123456789"),
        ("viber", "79123456789", "+79123456789"),
        ("vk", "vk.com/id1234", "id1234"),
        ("max", "AbC-42", "AbC-42"),
    ],
)
def test_messenger_ids_are_stored_as_gateways_report_them(
    operator: User, contact: Contact, kind: str, typed: str, stored: str
) -> None:
    row = services.add_messenger(actor=operator, contact=contact, kind=kind, external_id=typed)
    assert (row.kind, row.external_id) == (kind, stored)


def test_messenger_refusals(operator: User, contact: Contact) -> None:
    services.add_messenger(actor=operator, contact=contact, kind="telegram", external_id="@ivan_p")
    with pytest.raises(Conflict):
        services.add_messenger(actor=operator, contact=contact, kind="telegram", external_id="IVAN_P")
    with pytest.raises(ValidationFailed) as err:
        services.add_messenger(actor=operator, contact=contact, kind="icq", external_id="1")
    assert err.value.field == "kind"
    with pytest.raises(ValidationFailed) as err:
        services.add_messenger(actor=operator, contact=contact, kind="telegram", external_id="не ник!")
    assert err.value.field == "external_id"
    messenger = contact.messengers.get()
    services.remove_messenger(actor=operator, contact=contact, messenger_id=messenger.pk)
    with pytest.raises(NotFound):
        services.remove_messenger(actor=operator, contact=contact, messenger_id=messenger.pk)


def test_customers_cannot_change_contact_points(customer: User) -> None:
    own = customer.contact
    with pytest.raises(Forbidden):
        services.add_phone(actor=customer, contact=own, number="+79001112233")


def test_consent_given_withdrawn_and_given_again_keeps_the_whole_history(operator: User, contact: Contact) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    services.record_consent(actor=operator, contact=contact, source="устно по телефону", at=yesterday)
    contact.refresh_from_db()
    assert contact.has_consent
    assert (contact.pd_consent_at, contact.pd_consent_source) == (yesterday, "устно по телефону")

    services.withdraw_consent(actor=operator, contact=contact, source="заявление от 01.03")
    withdrawn = Contact.objects.get(pk=contact.pk)
    assert not withdrawn.has_consent
    assert withdrawn.pd_consent_withdrawn_at is not None

    services.record_consent(actor=operator, contact=contact, source="форма на портале")
    contact.refresh_from_db()
    assert contact.has_consent
    history = list(ConsentRecord.objects.filter(contact=contact).order_by("at").values_list("action", "source"))
    assert history == [
        ("granted", "устно по телефону"),
        ("withdrawn", "заявление от 01.03"),
        ("granted", "форма на портале"),
    ]
    assert [e["contact_id"] for e in published("customers.ConsentWithdrawn")] == [contact.pk]
    assert len(published("customers.ConsentRecorded")) == 2


def test_consent_refusals(operator: User, contact: Contact) -> None:
    with pytest.raises(Conflict):
        services.withdraw_consent(actor=operator, contact=contact)
    with pytest.raises(ValidationFailed) as err:
        services.record_consent(actor=operator, contact=contact, source=" ")
    assert err.value.field == "source"
    with pytest.raises(ValidationFailed) as err:
        services.record_consent(actor=operator, contact=contact, source="звонок", at=timezone.now() + timedelta(days=1))
    assert err.value.field == "at"


def test_a_customer_may_withdraw_their_own_consent_but_not_anothers(customer: User, contact: Contact) -> None:
    own = customer.contact
    services.record_consent(actor=customer, contact=own, source="форма на портале")
    services.withdraw_consent(actor=customer, contact=own, source="личный кабинет")
    own.refresh_from_db()
    assert not own.has_consent
    services.record_consent(actor=None, contact=contact, source="договор")
    with pytest.raises(Forbidden):
        services.withdraw_consent(actor=customer, contact=contact)
