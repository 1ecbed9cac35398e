"""Who may do what with contacts and organisations: pure predicates, no queries."""

from __future__ import annotations

from typing import Any

from hotline.core import roles
from hotline.customers.models import Contact, Organisation


def is_own_contact(user: Any, contact: Contact) -> bool:
    return roles.is_customer(user) and contact.user_id is not None and contact.user_id == user.pk


def can_view_contact(user: Any, contact: Contact) -> bool:
    return roles.is_agent(user) or is_own_contact(user, contact)


def can_edit_contact(user: Any, contact: Contact) -> bool:
    return roles.is_agent(user)


def can_see_internal(user: Any) -> bool:
    """Agents' notes and tags about a customer are not shown to the customer."""
    return roles.is_agent(user)


def can_manage_consent(user: Any, contact: Contact) -> bool:
    # Withdrawing consent is the data subject's own right (152-ФЗ art. 9), so customers may too.
    return roles.is_agent(user) or is_own_contact(user, contact)


def can_merge_contacts(user: Any) -> bool:
    return roles.is_supervisor(user)


def can_export_contact(user: Any) -> bool:
    return roles.is_supervisor(user)


def can_erase_contact(user: Any) -> bool:
    return roles.is_supervisor(user)


def can_lookup_phone(user: Any) -> bool:
    return roles.is_agent(user)


def can_view_organisation(user: Any, organisation: Organisation) -> bool:
    if roles.is_agent(user):
        return True
    contact = getattr(user, "contact", None) if roles.is_customer(user) else None
    return contact is not None and contact.organisation_id == organisation.pk


def can_edit_organisation(user: Any) -> bool:
    return roles.is_agent(user)


def can_delete_organisation(user: Any) -> bool:
    return roles.is_supervisor(user)
