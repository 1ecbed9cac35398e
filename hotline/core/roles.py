"""Roles of the people who use Hotline and the pure checks on them."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Оператор (1-я линия)")
    SPECIALIST = "specialist", _("Специалист (2-я/3-я линия)")
    SUPERVISOR = "supervisor", _("Руководитель")
    ADMIN = "admin", _("Администратор")
    CUSTOMER = "customer", _("Клиент")


AGENT_ROLES = frozenset({Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN})


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_agent(user: Any) -> bool:
    return _active(user) and getattr(user, "role", None) in AGENT_ROLES


def is_admin(user: Any) -> bool:
    return _active(user) and (bool(user.is_superuser) or user.role == Role.ADMIN)


def is_supervisor(user: Any) -> bool:
    return is_agent(user) and user.role in (Role.SUPERVISOR, Role.ADMIN)


def is_customer(user: Any) -> bool:
    return _active(user) and getattr(user, "role", None) == Role.CUSTOMER
