"""Every write to the customer base, one function per use case (keyword-only, atomic, audited, evented)."""

from hotline.customers.services._common import UNSET, Unset
from hotline.customers.services.consent import (
    record_advertising_consent,
    record_consent,
    withdraw_advertising_consent,
    withdraw_consent,
)
from hotline.customers.services.contact_points import (
    NewMessenger,
    NewPhone,
    add_email,
    add_messenger,
    add_phone,
    mark_email_failing,
    normalize_messenger,
    remove_email,
    remove_messenger,
    remove_phone,
)
from hotline.customers.services.contacts import (
    compose_full_name,
    create_contact,
    find_or_create_contact_by_phone,
    set_tags,
    update_contact,
)
from hotline.customers.services.merge import DuplicateCandidate, find_duplicates, merge_contacts
from hotline.customers.services.organisations import (
    create_organisation,
    delete_organisation,
    is_valid_inn,
    update_organisation,
)
from hotline.customers.services.privacy import erase_contact, export_contact, record_contact_view

__all__ = [
    "UNSET",
    "DuplicateCandidate",
    "NewMessenger",
    "NewPhone",
    "Unset",
    "add_email",
    "add_messenger",
    "add_phone",
    "compose_full_name",
    "create_contact",
    "create_organisation",
    "delete_organisation",
    "erase_contact",
    "export_contact",
    "find_duplicates",
    "find_or_create_contact_by_phone",
    "is_valid_inn",
    "mark_email_failing",
    "merge_contacts",
    "normalize_messenger",
    "record_advertising_consent",
    "record_consent",
    "record_contact_view",
    "remove_email",
    "remove_messenger",
    "remove_phone",
    "set_tags",
    "update_contact",
    "update_organisation",
    "withdraw_advertising_consent",
    "withdraw_consent",
]
