"""API tokens for integrations: issue, verify, revoke."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from hotline.core import audit
from hotline.core.models import ApiToken, AuditLog, User, hash_token


@transaction.atomic
def issue_token(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "hl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=token, summary=f"API token for {user.username}")
    return token, raw


def authenticate_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every request would make reads contend; a minute's precision is enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, obj=token, summary="revoked")
