"""Portal sign-up: a customer login with its own contact, consent recorded, bad input named by field."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog
from hotline.core.roles import Role
from hotline.customers.accounts import register_customer
from hotline.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_sign_up_creates_login_contact_and_consent() -> None:
    user = register_customer(
        email=" Anna@Example.RU ", password="Tepl0-Voda-2026", full_name="Анна  Иванова", phone="8 912 345-67-89",
        consent_source="портал",
    )  # fmt: skip
    assert (user.username, user.email, user.role) == ("anna@example.ru", "anna@example.ru", Role.CUSTOMER)
    assert user.check_password("Tepl0-Voda-2026")
    contact = Contact.objects.get(user=user)
    assert contact.full_name == "Анна Иванова"
    assert [p.e164 for p in contact.phones.all()] == ["+79123456789"]
    assert contact.pd_consent_source == "портал"
    assert AuditLog.objects.filter(object_type="core.user", object_id=str(user.pk)).exists()


def test_existing_contact_with_that_email_is_not_taken_over() -> None:
    """The address is not verified at sign-up: a stranger must not inherit someone's tickets."""
    from hotline.customers.services import create_contact

    existing = create_contact(actor=None, full_name="Анна Иванова", emails=["anna@example.ru"])
    user = register_customer(email="anna@example.ru", password="Tepl0-Voda-2026", full_name="Анна")
    existing.refresh_from_db()
    assert existing.user_id is None
    assert Contact.objects.get(user=user).pk != existing.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"full_name": "  "}, "full_name"),
        ({"password": "12345678"}, "password1"),
        ({"phone": "12"}, "phones.0"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, str], field: str) -> None:
    data = {"email": "petr@example.ru", "password": "Tepl0-Voda-2026", "full_name": "Пётр", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        register_customer(**data)
    assert caught.value.field == field


def test_second_account_with_the_same_email_is_refused() -> None:
    register_customer(email="petr@example.ru", password="Tepl0-Voda-2026", full_name="Пётр")
    with pytest.raises(Conflict) as caught:
        register_customer(email="PETR@example.ru", password="Tepl0-Voda-2026", full_name="Пётр")
    assert caught.value.field == "email"
