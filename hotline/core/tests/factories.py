"""Factories for core models, shared by every app's tests."""

from __future__ import annotations

import factory

from hotline.core.models import User
from hotline.core.roles import Role


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hotline.test")
    role = Role.OPERATOR
    password = factory.django.Password("pass-Word-42")


class OperatorFactory(UserFactory):
    role = Role.OPERATOR


class SpecialistFactory(UserFactory):
    role = Role.SPECIALIST


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True


class CustomerUserFactory(UserFactory):
    role = Role.CUSTOMER
