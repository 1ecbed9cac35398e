"""Customer accounts for the self-service portal: sign-up creates the login and its contact.

A new account always gets a new contact, even when a contact with that e-mail exists: the address
is not verified at sign-up, and linking it would show a stranger that person's tickets. Agents merge
the duplicate once they know it is the same person (``merge_contacts``).
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.core import audit
from hotline.core.contact_points import normalize_email
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.core.roles import Role
from hotline.customers.models import Contact
from hotline.customers.services.consent import record_consent
from hotline.customers.services.contacts import create_contact


@transaction.atomic
def register_customer(
    *, email: str, password: str, full_name: str, phone: str = "", language: str = "ru", consent_source: str = ""
) -> User:
    """Create a customer login (username = e-mail) with its own contact and recorded consent.

    Raises:
        ValidationFailed: bad e-mail, name, phone or a weak password (field named).
        Conflict: an account with this e-mail already exists (field ``email``).
    """
    address = normalize_email(email, field="email")
    name = " ".join((full_name or "").split())
    if not name:
        raise ValidationFailed(_("Укажите, как к вам обращаться"), field="full_name")
    if User.objects.filter(email__iexact=address).exists() or User.objects.filter(username__iexact=address).exists():
        raise Conflict(_("Учётная запись с таким e-mail уже есть — войдите или восстановите пароль"), field="email")
    first, _sep, last = name.partition(" ")
    user = User(
        username=address, email=address, role=Role.CUSTOMER, first_name=first[:150], last_name=last[:150],
        language=language if language in {"ru", "en"} else "ru",
    )  # fmt: skip
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password1") from exc
    user.set_password(password)
    user.save()
    contact: Contact = create_contact(
        actor=None, full_name=name, emails=[address], phones=[phone] if phone.strip() else [], user=user,
        language=user.language,
    )  # fmt: skip
    if consent_source:
        record_consent(actor=None, contact=contact, source=consent_source)
    audit.record(actor=user, action=AuditLog.Action.CREATE, obj=user, summary="portal sign-up")
    return user
