"""Factories for the customer base; the desk and upper apps import ContactFactory from here."""

from __future__ import annotations

import factory
from faker import Faker

from hotline.customers.models import Contact, ContactEmail, ContactPhone, MessengerAccount, Organisation, Tag

_fake = Faker("ru_RU")


def _name_part(gender: str, part: str) -> str:
    return str(getattr(_fake, f"{part}_{gender}")())


def valid_inn(n: int) -> str:
    """A 10-digit legal-entity INN with a correct check digit, different for every ``n``."""
    body = f"77{n % 10_000_000:07d}"
    check = sum(int(d) * w for d, w in zip(body, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return f"{body}{check}"


class TagFactory(factory.django.DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"метка-{n}")


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"ООО «{_fake.last_name_male()} и партнёры {n}»")
    inn = factory.Sequence(valid_inn)
    address = factory.Faker("address", locale="ru_RU")


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    """A person with a Russian full name and one mobile phone (pass ``phone=None`` for none)."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    class Params:
        gender = factory.Iterator(["male", "female"])

    last_name = factory.LazyAttribute(lambda o: _name_part(o.gender, "last_name"))
    first_name = factory.LazyAttribute(lambda o: _name_part(o.gender, "first_name"))
    middle_name = factory.LazyAttribute(lambda o: _name_part(o.gender, "middle_name"))
    full_name = factory.LazyAttribute(lambda o: " ".join(p for p in (o.last_name, o.first_name, o.middle_name) if p))
    phone = factory.RelatedFactory(
        "hotline.customers.tests.factories.ContactPhoneFactory", factory_related_name="contact", is_primary=True
    )


class ContactPhoneFactory(factory.django.DjangoModelFactory[ContactPhone]):
    class Meta:
        model = ContactPhone

    contact = factory.SubFactory(ContactFactory, phone=None)
    # +7 912 … is a valid Russian mobile range for every 7-digit suffix.
    e164 = factory.Sequence(lambda n: f"+7912{n % 10_000_000:07d}")
    kind = ContactPhone.Kind.MOBILE


class ContactEmailFactory(factory.django.DjangoModelFactory[ContactEmail]):
    class Meta:
        model = ContactEmail

    contact = factory.SubFactory(ContactFactory)
    email = factory.Sequence(lambda n: f"client{n}@example.ru")


class MessengerAccountFactory(factory.django.DjangoModelFactory[MessengerAccount]):
    class Meta:
        model = MessengerAccount

    contact = factory.SubFactory(ContactFactory)
    kind = MessengerAccount.Kind.TELEGRAM
    external_id = factory.Sequence(lambda n: f"{100000 + n}")
