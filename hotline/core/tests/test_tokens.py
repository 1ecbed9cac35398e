import pytest

from hotline.core.models import ApiToken, AuditLog
from hotline.core.tests.factories import AdminFactory, OperatorFactory
from hotline.core.tokens import authenticate_token, issue_token, revoke_token

pytestmark = pytest.mark.django_db


def test_token_authenticates_its_user_and_only_its_hash_is_stored() -> None:
    admin, agent = AdminFactory.create(), OperatorFactory.create()
    token, raw = issue_token(actor=admin, user=agent, name="АТС")
    assert authenticate_token(raw) == agent
    assert raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert AuditLog.objects.filter(object_type="core.apitoken", object_id=str(token.pk), actor=admin).exists()


def test_revoked_token_and_inactive_user_are_refused() -> None:
    admin, agent = AdminFactory.create(), OperatorFactory.create()
    token, raw = issue_token(actor=admin, user=agent, name="CRM")
    revoke_token(actor=admin, token=token)
    assert authenticate_token(raw) is None
    _, raw2 = issue_token(actor=admin, user=agent, name="CRM 2")
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert authenticate_token(raw2) is None
    assert authenticate_token("hl_not-a-token") is None
