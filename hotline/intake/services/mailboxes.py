"""Mailboxes: an administrator's settings (saved here, audited), and the pollers' lease and progress."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import audit
from hotline.core.contact_points import normalize_email
from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditLog
from hotline.intake import crypto
from hotline.intake.models import AfterImport, ImapSecurity, Mailbox, MailboxFolder, MailboxKind
from hotline.intake.services.outcomes import forget_our_addresses

LEASE = timedelta(minutes=5)
SECRET_FIELDS = frozenset({"imap_password"})
ERROR_MAX = 4000


def _check(mailbox: Mailbox) -> None:
    """Raises: ValidationFailed — naming the field an administrator must fix."""
    mailbox.address = normalize_email(mailbox.address, field="address")
    mailbox.name = " ".join((mailbox.name or "").split()) or mailbox.address
    if not mailbox.queue.is_active:
        raise ValidationFailed(_("Очередь «%(queue)s» отключена") % {"queue": mailbox.queue.name}, field="queue")
    if mailbox.kind == MailboxKind.IMAP:
        if not mailbox.imap_host.strip():
            raise ValidationFailed(_("Укажите IMAP-сервер"), field="imap_host")
        if not mailbox.imap_username.strip():
            raise ValidationFailed(_("Укажите логин IMAP"), field="imap_username")
        if mailbox.imap_port is not None and not 0 < mailbox.imap_port < 65536:
            raise ValidationFailed(_("Порт — число от 1 до 65535"), field="imap_port")
        if mailbox.imap_security not in ImapSecurity.values:
            raise ValidationFailed(_("Неизвестный способ шифрования"), field="imap_security")
    if mailbox.after_import == AfterImport.MOVE and not mailbox.move_to_folder.strip():
        raise ValidationFailed(_("Укажите папку, куда перемещать обработанные письма"), field="move_to_folder")
    if mailbox.loop_limit > 100_000:
        raise ValidationFailed(_("Слишком большой предел"), field="loop_limit")


@transaction.atomic
def save_mailbox(*, actor: Any, mailbox: Mailbox) -> Mailbox:
    """Create or change a mailbox (the admin's form); only one can be the default.

    Raises:
        ValidationFailed: a missing or wrong setting (``field`` names it).
    """
    _check(mailbox)
    before = Mailbox.objects.filter(pk=mailbox.pk).first() if mailbox.pk else None
    if Mailbox.objects.filter(address=mailbox.address).exclude(pk=mailbox.pk).exists():
        raise ValidationFailed(_("Ящик с адресом %(address)s уже есть") % {"address": mailbox.address}, field="address")
    if mailbox.is_default:
        Mailbox.objects.filter(is_default=True).exclude(pk=mailbox.pk).update(is_default=False)
    mailbox.save()
    changes = {}
    for field in Mailbox._meta.concrete_fields:
        if not field.editable or field.name == "id":
            continue
        old = getattr(before, field.attname) if before is not None else None
        new = getattr(mailbox, field.attname)
        if old != new:
            changes[field.name] = ["***", "***"] if field.name in SECRET_FIELDS else [str(old or ""), str(new or "")]
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE if before is not None else AuditLog.Action.CREATE,
        obj=mailbox,
        summary=f"mailbox {mailbox.address}",
        changes=changes,
    )
    forget_our_addresses()
    return mailbox


@transaction.atomic
def delete_mailbox(*, actor: Any, mailbox: Mailbox) -> None:
    """Remove a mailbox that never received mail; one with mail is switched off instead.

    Raises:
        ValidationFailed: the mailbox has received messages (switch it off to keep them).
    """
    if mailbox.messages.exists():
        raise ValidationFailed(
            _("В ящик уже приходили письма — отключите его вместо удаления, чтобы сохранить их"), field="is_active"
        )
    audit.record(actor=actor, action=AuditLog.Action.DELETE, obj=mailbox, summary=f"mailbox {mailbox.address}")
    mailbox.delete()
    forget_our_addresses()


@dataclass(frozen=True)
class Reencrypted:
    changed: int
    unreadable: list[str]  # addresses whose password no configured key decrypts: enter them again


@transaction.atomic
def reencrypt_secrets(*, actor: Any) -> Reencrypted:
    """Encrypt every stored mailbox password again with the current first key (after rotating the keys).

    The stored tokens are read and written as they are (plain SQL), so one no key decrypts is reported, not lost.
    """
    table = connection.ops.quote_name(Mailbox._meta.db_table)
    changed = 0
    unreadable: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, address, imap_password FROM {table} WHERE imap_password <> ''")  # noqa: S608
        for pk, address, stored in cursor.fetchall():
            try:
                new = crypto.reencrypt(stored)
            except crypto.SecretUnreadable:
                unreadable.append(address)
                continue
            cursor.execute(f"UPDATE {table} SET imap_password = %s WHERE id = %s", [new, pk])  # noqa: S608
            changed += 1
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        object_type="intake.mailbox",
        summary=f"mailbox passwords re-encrypted: {changed}, unreadable: {len(unreadable)}",
    )
    return Reencrypted(changed, unreadable)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def take_lease(mailbox: Mailbox, *, owner: str | None = None) -> bool:
    """Claim the right to poll ``mailbox`` for a while; False when another poller holds it.

    One conditional UPDATE, so two pollers racing for it get one yes. Exactly-once does not depend on it (the
    dedupe key does); it keeps two pollers from fetching the same mail in parallel.
    """
    owner = owner or worker_name()
    now = timezone.now()
    taken = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now) | Q(poll_lease_owner=owner))
        .update(poll_lease_until=now + LEASE, poll_lease_owner=owner)
    )
    return taken == 1


def release_lease(mailbox: Mailbox, *, owner: str | None = None) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, poll_lease_owner=owner or worker_name()).update(
        poll_lease_until=None, poll_lease_owner=""
    )


def record_poll(mailbox: Mailbox, *, error: str = "") -> None:
    """When the mailbox was last polled and how it went (shown in the admin)."""
    now = timezone.now()
    if error:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now, last_error=error[:ERROR_MAX], last_error_at=now
        )
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error="")


def folder_state(mailbox: Mailbox, name: str) -> MailboxFolder:
    state, _created = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=name)
    return state


def advance_folder(state: MailboxFolder, *, uid_validity: int, last_uid: int) -> None:
    """Remember that every UID up to ``last_uid`` (under ``uid_validity``) is in and acknowledged."""
    state.uid_validity = uid_validity
    state.last_uid = last_uid
    state.updated_at = timezone.now()
    state.save(update_fields=["uid_validity", "last_uid", "updated_at"])


def default_mailbox() -> Mailbox:
    """Where an import without a named mailbox goes: the default one, else the first active one.

    Raises:
        ValidationFailed: no mailbox is configured.
    """
    mailbox = Mailbox.objects.filter(is_active=True).select_related("queue").order_by("-is_default", "id").first()
    if mailbox is None:
        raise ValidationFailed(_("Не настроено ни одного почтового ящика"), field="mailbox")
    return mailbox


def mailbox_by_address(address: str) -> Mailbox:
    """Raises: ValidationFailed — no such mailbox."""
    mailbox = Mailbox.objects.select_related("queue").filter(address=address.strip().lower()).first()
    if mailbox is None:
        raise ValidationFailed(_("Почтового ящика %(address)s нет") % {"address": address}, field="mailbox")
    return mailbox
