from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from hotline.core.errors import ValidationFailed
from hotline.core.models import User
from hotline.customers import selectors, services
from hotline.customers.models import Contact
from hotline.customers.tests.factories import ContactEmailFactory, ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [
        "8 (912) 345-67-89",
        "+7 912 3456789",
        "89123456789",
        "79123456789",
        "9123456789",
        "+7(912)345-67-89",
        "8-912-345-67-89",
        "  8 912 345 67 89 ",
        "+7 912 345 67 89 доб. 12",
        "00 7 912 345 67 89",
    ],
)
def test_lookup_finds_the_caller_typed_any_way(contact: Contact, typed: str) -> None:
    ContactFactory.create_batch(3)
    assert selectors.lookup_by_phone(typed) == [contact]


def test_lookup_ignores_the_stored_extension(operator: User) -> None:
    office = services.create_contact(actor=operator, full_name="Офис", phones=["+7 495 123-45-67 доб. 15"])
    assert selectors.lookup_by_phone("84951234567") == [office]


def test_lookup_lists_every_holder_of_a_shared_number_primary_first(operator: User) -> None:
    wife = ContactFactory.create(phone=None, full_name="Иванова Мария")
    services.add_phone(actor=operator, contact=wife, number="+79001110000")
    services.add_phone(actor=operator, contact=wife, number="+74951112233")
    husband = ContactFactory.create(phone__e164="+74951112233", phone__is_primary=True, full_name="Иванов Пётр")
    assert selectors.lookup_by_phone("8 495 111-22-33") == [husband, wife]


def test_lookup_skips_merged_and_erased_contacts(contact: Contact) -> None:
    merged = ContactFactory.create(phone__e164="+79123456789")
    erased = ContactFactory.create(phone__e164="+79123456789")
    Contact.objects.filter(pk=merged.pk).update(merged_into=contact)
    Contact.objects.filter(pk=erased.pk).update(erased_at="2026-01-01T00:00:00Z")
    assert selectors.lookup_by_phone("+79123456789") == [contact]


def test_lookup_of_a_number_nobody_has_is_empty_and_garbage_is_refused(contact: Contact) -> None:
    assert selectors.lookup_by_phone("+7 900 000-00-00") == []
    with pytest.raises(ValidationFailed) as err:
        selectors.lookup_by_phone("anonymous")
    assert err.value.field == "phone"


def test_lookup_prefetches_what_the_screen_pop_shows(
    contact: Contact, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ContactEmailFactory.create(contact=contact)
    contact.organisation = OrganisationFactory.create()
    contact.save()
    with django_assert_num_queries(3):  # contacts+organisation, phones, emails
        (found,) = selectors.lookup_by_phone("89123456789")
        assert found.organisation is not None
        assert [p.e164 for p in found.phones.all()] == ["+79123456789"]
        assert len(found.emails.all()) == 1


def _names(queryset: object) -> list[str]:
    return [c.full_name for c in queryset.order_by("sort_key", "id")]  # type: ignore[attr-defined]


@pytest.fixture
def people(db: None) -> dict[str, Contact]:
    horns = OrganisationFactory.create(name="ООО «Рога и копыта»")
    return {
        "semenov": ContactFactory.create(full_name="Семёнов Пётр Ильич", phone__e164="+79001000001"),
        "petrova": ContactFactory.create(full_name="Петрухина Анна", phone__e164="+79001000002"),
        "ivanov_petr": ContactFactory.create(full_name="Иванов Пётр", phone__e164="+79001000003"),
        "petrov": ContactFactory.create(full_name="Петров Иван", phone__e164="+79001000004"),
        "horns": ContactFactory.create(full_name="Сидоров Олег", phone__e164="+79001000005", organisation=horns),
    }


def test_name_search_is_case_insensitive_in_cyrillic_and_treats_yo_as_ye(
    operator: User, people: dict[str, Contact]
) -> None:
    assert _names(selectors.search_contacts(operator, "семенов")) == ["Семёнов Пётр Ильич"]
    assert _names(selectors.search_contacts(operator, "СЕМЁНОВ  ПЁТР")) == ["Семёнов Пётр Ильич"]


def test_name_search_puts_prefix_matches_before_contained_ones(operator: User, people: dict[str, Contact]) -> None:
    assert _names(selectors.search_contacts(operator, "петр")) == [
        "Петров Иван",
        "Петрухина Анна",
        "Иванов Пётр",
        "Семёнов Пётр Ильич",
    ]
    # Words in any order («Иван Петров» for «Петров Иван»).
    assert _names(selectors.search_contacts(operator, "иван петров")) == ["Петров Иван"]


def test_search_by_organisation_name(operator: User, people: dict[str, Contact]) -> None:
    assert _names(selectors.search_contacts(operator, "рога и")) == ["Сидоров Олег"]


def test_search_by_phone_in_any_format_is_an_exact_match(operator: User, people: dict[str, Contact]) -> None:
    assert _names(selectors.search_contacts(operator, "8 (900) 100-00-04")) == ["Петров Иван"]


def test_search_by_the_last_digits_of_a_number(operator: User, people: dict[str, Contact]) -> None:
    assert _names(selectors.search_contacts(operator, "00-03")) == ["Иванов Пётр"]


def test_search_by_email_is_exact_and_case_insensitive(operator: User, people: dict[str, Contact]) -> None:
    ContactEmailFactory.create(contact=people["petrova"], email="anna@example.ru")
    ContactEmailFactory.create(contact=people["petrov"], email="anna@example.ru.evil")
    assert _names(selectors.search_contacts(operator, "Anna@Example.RU")) == ["Петрухина Анна"]
    assert _names(selectors.search_contacts(operator, "anna@")) == []


def test_search_leaves_out_merged_contacts_unless_asked(operator: User, people: dict[str, Contact]) -> None:
    Contact.objects.filter(pk=people["petrov"].pk).update(merged_into=people["petrova"])
    assert "Петров Иван" not in _names(selectors.search_contacts(operator, "петров"))
    assert "Петров Иван" in _names(selectors.search_contacts(operator, "петров", include_inactive=True))


def test_customers_find_only_themselves(customer: User, people: dict[str, Contact]) -> None:
    assert _names(selectors.search_contacts(customer, "")) == ["Смирнова Ольга"]
    assert _names(selectors.search_contacts(customer, "петров")) == []
