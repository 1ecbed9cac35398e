from __future__ import annotations

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.customers import services
from hotline.customers.models import Contact, ContactPhone
from hotline.customers.services import NewMessenger, NewPhone
from hotline.customers.tests.conftest import published
from hotline.customers.tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_create_contact_normalises_every_contact_point(operator: User) -> None:
    organisation = OrganisationFactory.create()
    contact = services.create_contact(
        actor=operator,
        last_name=" Семёнова ",
        first_name="Анна",
        middle_name="Сергеевна",
        phones=["8 (912) 345-67-89", NewPhone(number="+7 495 123-45-67 доб. 12", kind="work"), "89123456789"],
        emails=["Anna.Semenova@Example.RU", "anna.semenova@example.ru"],
        messengers=[NewMessenger(kind="telegram", external_id="@Anna_S")],
        organisation=organisation,
        tags=["VIP", " vip ", "Должник"],
        time_zone="Asia/Yekaterinburg",
    )

    contact.refresh_from_db()
    assert contact.full_name == "Семёнова Анна Сергеевна"
    assert contact.search_name == "семенова анна сергеевна"
    phones = list(contact.phones.order_by("id").values_list("e164", "extension", "kind", "is_primary"))
    assert phones == [("+79123456789", "", "mobile", True), ("+74951234567", "12", "work", False)]
    assert list(contact.emails.values_list("email", flat=True)) == ["anna.semenova@example.ru"]
    assert list(contact.messengers.values_list("kind", "external_id")) == [("telegram", "anna_s")]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["vip", "должник"]
    assert contact.organisation == organisation
    assert AuditLog.objects.filter(action="create", object_type="customers.contact", object_id=str(contact.pk)).exists()
    assert published("customers.ContactCreated") == [{"actor_id": operator.pk, "contact_id": contact.pk}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"full_name": "Иванов", "phones": ["+79123456789", "12345"]}, "phones.1"),
        ({"full_name": "Иванов", "phones": [NewPhone(number="+79123456789", kind="fax")]}, "phones.0.kind"),
        ({"full_name": "Иванов", "emails": ["ivanov@"]}, "emails.0"),
        ({"full_name": "Иванов", "messengers": [NewMessenger(kind="icq", external_id="1")]}, "messengers.0.kind"),
        ({"full_name": "Иванов", "messengers": [NewMessenger(kind="whatsapp", external_id="abc")]}, "messengers.0"),
        ({"full_name": "Иванов", "time_zone": "Марс/Олимп"}, "time_zone"),
        ({"full_name": "Иванов", "language": "de"}, "language"),
        ({"last_name": "Я" * 101}, "last_name"),
        ({}, "full_name"),
        ({"full_name": "   "}, "full_name"),
    ],
)
def test_create_contact_refuses_invalid_input_naming_the_field(
    operator: User, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.create_contact(actor=operator, **kwargs)
    assert err.value.field == field
    assert not Contact.objects.exists()


def test_a_contact_with_only_a_phone_is_fine(operator: User) -> None:
    contact = services.create_contact(actor=operator, phones=["+7 912 000-00-01"])
    assert contact.full_name == ""
    assert str(contact) == f"#{contact.pk}"


def test_customers_cannot_create_contacts(customer: User) -> None:
    with pytest.raises(Forbidden):
        services.create_contact(actor=customer, full_name="Посторонний")


def test_linking_a_portal_account_twice_is_refused(operator: User) -> None:
    user = CustomerUserFactory.create()
    services.create_contact(actor=operator, full_name="Первый", user=user)
    with pytest.raises(Conflict) as err:
        services.create_contact(actor=operator, full_name="Второй", user=user)
    assert err.value.field == "user_id"
    with pytest.raises(ValidationFailed):
        services.create_contact(actor=operator, full_name="Сотрудник", user=OperatorFactory.create())


def test_update_changes_only_what_is_given_and_recomposes_the_full_name(operator: User, contact: Contact) -> None:
    organisation = OrganisationFactory.create()
    services.update_contact(actor=operator, contact=contact, last_name="Петров", organisation=organisation)
    contact.refresh_from_db()
    assert contact.full_name == "Петров Иван Петрович"
    assert contact.search_name == "петров иван петрович"
    assert contact.organisation == organisation
    assert published("customers.ContactUpdated")[-1]["fields"] == ["last_name", "full_name", "organisation"]

    services.update_contact(actor=operator, contact=contact, organisation=None)
    reread = Contact.objects.get(pk=contact.pk)
    assert reread.organisation is None
    assert reread.position == ""


def test_a_typed_full_name_is_not_overwritten_by_a_part(operator: User) -> None:
    contact = ContactFactory.create(last_name="", first_name="", middle_name="", full_name="Мария Ивановна (бухгалтер)")
    services.update_contact(actor=operator, contact=contact, first_name="Мария")
    contact.refresh_from_db()
    assert contact.full_name == "Мария Ивановна (бухгалтер)"


def test_an_update_that_changes_nothing_writes_nothing(operator: User, contact: Contact) -> None:
    before = AuditLog.objects.count()
    services.update_contact(actor=operator, contact=contact, first_name="Иван", position="")
    assert AuditLog.objects.count() == before
    assert published("customers.ContactUpdated") == []


def test_blanking_the_name_of_a_contact_without_contact_points_is_refused(operator: User) -> None:
    contact = ContactFactory.create(phone=None, full_name="Безымянный")
    with pytest.raises(ValidationFailed) as err:
        services.update_contact(actor=operator, contact=contact, full_name="")
    assert err.value.field == "full_name"


def test_a_merged_contact_cannot_be_edited(operator: User, contact: Contact) -> None:
    survivor = ContactFactory.create()
    Contact.objects.filter(pk=contact.pk).update(merged_into=survivor)
    with pytest.raises(Conflict) as err:
        services.update_contact(actor=operator, contact=contact, position="инженер")
    assert str(survivor.pk) in err.value.message


def test_customers_cannot_edit_even_their_own_card(customer: User) -> None:
    with pytest.raises(Forbidden):
        services.update_contact(actor=customer, contact=customer.contact, notes="VIP")


def test_set_tags_replaces_and_deduplicates(operator: User, contact: Contact) -> None:
    services.set_tags(actor=operator, contact=contact, tags=["VIP", "жалоба"])
    services.set_tags(actor=operator, contact=contact, tags=["жалоба", "Жалоба ", "", "пенсионер"])
    assert sorted(contact.tags.values_list("name", flat=True)) == ["жалоба", "пенсионер"]
    with pytest.raises(ValidationFailed) as err:
        services.set_tags(actor=operator, contact=contact, tags=["ok", "x" * 65])
    assert err.value.field == "tags.1"


@pytest.mark.parametrize("typed", ["8 (912) 345-67-89", "+7 912 3456789", "89123456789", "+7 912 345 67 89 доб. 3"])
def test_phone_intake_finds_the_contact_whatever_the_format(contact: Contact, typed: str) -> None:
    assert services.find_or_create_contact_by_phone(actor=None, phone=typed) == contact
    assert Contact.objects.count() == 1


def test_phone_intake_creates_a_contact_for_a_new_number(operator: User) -> None:
    contact = services.find_or_create_contact_by_phone(actor=operator, phone="8 900 111-22-33", full_name="Звонивший")
    assert contact.full_name == "Звонивший"
    assert list(contact.phones.values_list("e164", flat=True)) == ["+79001112233"]
    again = services.find_or_create_contact_by_phone(actor=operator, phone="+79001112233")
    assert again == contact


def test_phone_intake_prefers_the_primary_holder_and_skips_merged(operator: User) -> None:
    merged = ContactFactory.create(phone__e164="+79005550000", phone__is_primary=True)
    second = ContactFactory.create(phone=None)
    services.add_phone(actor=operator, contact=second, number="+79001110000")
    services.add_phone(actor=operator, contact=second, number="+79005550000")  # not primary for them
    holder = ContactFactory.create(phone__e164="+79005550000", phone__is_primary=True)
    Contact.objects.filter(pk=merged.pk).update(merged_into=holder)
    assert services.find_or_create_contact_by_phone(actor=None, phone="89005550000") == holder


def test_phone_intake_refuses_garbage_and_customers(customer: User) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.find_or_create_contact_by_phone(actor=None, phone="anonymous")
    assert err.value.field == "phone"
    with pytest.raises(Forbidden):
        services.find_or_create_contact_by_phone(actor=customer, phone="+79001112233")


def test_text_with_a_nul_character_is_refused_not_a_database_error(operator: User) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.create_contact(actor=operator, full_name="Иван\x00ов")
    assert err.value.field == "full_name"
    with pytest.raises(ValidationFailed) as err:
        services.create_contact(actor=operator, full_name="Иванов", tags=["ok", "v\x00ip"])
    assert err.value.field == "tags.1"


def test_a_new_contact_knows_its_rows_and_queries_chained_on_them_still_ask_the_database(
    operator: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    contact = services.create_contact(
        actor=operator, full_name="Новиков", phones=["+79001112233", "+74951112233"], emails=["n@example.ru"]
    )
    with django_assert_num_queries(0):
        assert [p.e164 for p in contact.phones.all()] == ["+79001112233", "+74951112233"]
        assert [e.email for e in contact.emails.all()] == ["n@example.ru"]
        assert list(contact.tags.all()) == []
    ContactPhone.objects.filter(contact=contact, e164="+74951112233").delete()  # around the instance
    assert list(contact.phones.values_list("e164", flat=True)) == ["+79001112233"]
    assert contact.phones.filter(is_primary=True).count() == 1
    services.set_tags(actor=operator, contact=contact, tags=["vip"])
    assert [t.name for t in Contact.objects.get(pk=contact.pk).tags.all()] == ["vip"]
