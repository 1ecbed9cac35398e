from hotline.core.models import User
from hotline.desk.models import Category, Ticket
from hotline.desk.tests.factories import CategoryFactory


def test_ticket_fixture_belongs_to_the_customer_and_has_a_human_number(ticket: Ticket, customer: User) -> None:
    assert ticket.contact == customer.contact
    assert ticket.number == f"HL-{ticket.pk:06d}"


def test_category_factory_fills_the_materialised_path(category: Category) -> None:
    child = CategoryFactory.create(parent=category)
    child.refresh_from_db()
    assert child.path == f"/{category.pk}/{child.pk}/"
