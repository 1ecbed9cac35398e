from __future__ import annotations

from typing import Any

import pytest

from hotline.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.customers import selectors, services
from hotline.customers.models import Organisation
from hotline.customers.tests.conftest import published
from hotline.customers.tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

SBERBANK = "7707083893"  # a real legal-entity INN (10 digits)
SOLE_TRADER = "500100732259"  # a valid 12-digit INN


def test_create_normalises_and_validates(operator: User) -> None:
    organisation = services.create_organisation(
        actor=operator,
        name="  ПАО  Сбербанк ",
        inn=SBERBANK,
        kpp="773601001",
        phone="8 (495) 500-55-50 доб. 100",
        email="Info@SberBank.RU",
        domain="@SberBank.ru",
    )
    assert organisation.name == "ПАО Сбербанк"
    assert (organisation.phone, organisation.phone_extension) == ("+74955005550", "100")
    assert organisation.email == "info@sberbank.ru"
    assert organisation.domain == "sberbank.ru"
    assert AuditLog.objects.filter(action="create", object_type="customers.organisation").count() == 1
    assert published("customers.OrganisationCreated") == [{"actor_id": operator.pk, "organisation_id": organisation.pk}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "ООО", "inn": "7707083894"}, "inn"),  # wrong check digit
        ({"name": "ООО", "inn": "12345"}, "inn"),
        ({"name": "ООО", "kpp": "77360100"}, "kpp"),
        ({"name": "ООО", "phone": "12"}, "phone"),
        ({"name": "ООО", "email": "info@"}, "email"),
        ({"name": "ООО", "domain": "не домен"}, "domain"),
    ],
)
def test_create_refuses_invalid_input(operator: User, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.create_organisation(actor=operator, **kwargs)
    assert err.value.field == field


def test_inn_check_digits() -> None:
    assert services.is_valid_inn(SBERBANK)
    assert services.is_valid_inn(SOLE_TRADER)
    assert not services.is_valid_inn("500100732258")
    assert not services.is_valid_inn("７７０７０８３８９３")  # full-width digits


def test_the_same_inn_and_kpp_twice_is_a_conflict_but_branches_are_fine(operator: User) -> None:
    services.create_organisation(actor=operator, name="Головной офис", inn=SBERBANK, kpp="773601001")
    services.create_organisation(actor=operator, name="Филиал", inn=SBERBANK, kpp="780602001")
    with pytest.raises(Conflict) as err:
        services.create_organisation(actor=operator, name="Ещё раз", inn=SBERBANK, kpp="773601001")
    assert err.value.field == "inn"
    assert Organisation.objects.count() == 2


def test_update_changes_only_given_fields(operator: User) -> None:
    organisation = services.create_organisation(actor=operator, name="ООО «Ромашка»", address="Москва")
    services.update_organisation(actor=operator, organisation=organisation, name="ООО «Василёк»", phone="")
    organisation.refresh_from_db()
    assert (organisation.name, organisation.search_name, organisation.address) == (
        "ООО «Василёк»",
        "ооо «василек»",
        "Москва",
    )
    assert published("customers.OrganisationUpdated")[-1]["fields"] == ["name"]


def test_delete_is_refused_while_contacts_belong_to_it(operator: User, supervisor: User) -> None:
    organisation = OrganisationFactory.create()
    ContactFactory.create_batch(2, organisation=organisation)
    with pytest.raises(Forbidden):
        services.delete_organisation(actor=operator, organisation=organisation)
    with pytest.raises(Conflict) as err:
        services.delete_organisation(actor=supervisor, organisation=organisation)
    assert "2" in err.value.message
    organisation.contacts.update(organisation=None)
    services.delete_organisation(actor=supervisor, organisation=organisation)
    assert not Organisation.objects.exists()
    assert published("customers.OrganisationDeleted")


def test_customers_see_only_their_own_organisation(customer: User) -> None:
    own = OrganisationFactory.create(name="Своя")
    other = OrganisationFactory.create(name="Чужая")
    customer.contact.organisation = own
    customer.contact.save()
    assert list(selectors.list_organisations(customer)) == [own]
    assert selectors.get_organisation_for(customer, own.pk) == own
    with pytest.raises(NotFound):
        selectors.get_organisation_for(customer, other.pk)
    with pytest.raises(Forbidden):
        services.update_organisation(actor=customer, organisation=own, name="Моя")


def test_list_searches_name_inn_and_domain_and_counts_active_contacts(operator: User) -> None:
    horns = OrganisationFactory.create(name="Рога и копыта", inn=SBERBANK, domain="horns.ru")
    OrganisationFactory.create(name="Василёк")
    ContactFactory.create(organisation=horns)
    merged = ContactFactory.create(organisation=horns)
    merged.merged_into = ContactFactory.create()
    merged.save()
    assert [o.name for o in selectors.list_organisations(operator, "КОПЫТА")] == ["Рога и копыта"]
    assert [o.name for o in selectors.list_organisations(operator, "770708")] == ["Рога и копыта"]
    assert [o.name for o in selectors.list_organisations(operator, "horns.ru")] == ["Рога и копыта"]
    assert [o.name for o in selectors.list_organisations(operator, "василек")] == ["Василёк"]
    assert selectors.get_organisation_for(operator, horns.pk).contacts_count == 1  # type: ignore[attr-defined]


def test_factory_inns_pass_the_check() -> None:
    from hotline.customers.tests.factories import valid_inn

    assert all(services.is_valid_inn(valid_inn(n)) for n in range(50))
