"""API tokens: only a hash is stored, roles gate actions, revocation is immediate."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from charter.errors import DataError, PermissionDeniedError
from charter.governance import authenticate, authorize, issue_token, revoke_token
from charter.store import RegistryStore
from charter.store.sql import SqlRegistryStore


def test_issue_authenticate_revoke(registry_store: RegistryStore) -> None:
    issued = issue_token(registry_store, "deployer", by="admin@bank.example", name="ci")
    assert issued.token.startswith("chr_") and issued.token not in repr(issued)
    assert isinstance(registry_store, SqlRegistryStore)
    with registry_store.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash, prefix FROM api_tokens")).one()
    assert issued.token not in stored[0] and stored[0] == issued.record.token_hash

    principal = authenticate(registry_store, issued.token)
    assert (principal.role, principal.name) == ("deployer", "ci")
    authorize(registry_store, principal, "promote")

    revoke_token(registry_store, issued.record.id, by="admin@bank.example")
    with pytest.raises(
        PermissionDeniedError, match=r"refused by rule 'valid-token': token \d+ was revoked"
    ):
        authenticate(registry_store, issued.token)
    actions = [e.action for e in registry_store.list_events()]
    assert actions == ["token.issued", "token.revoked", "auth.refused"]


def test_a_wrong_token_is_refused_and_audited(registry_store: RegistryStore) -> None:
    issue_token(registry_store, "viewer", by="admin")
    with pytest.raises(PermissionDeniedError) as info:
        authenticate(registry_store, "chr_not-a-token")
    assert str(info.value) == "token: refused by rule 'valid-token': the token is not valid"
    event = registry_store.list_events()[-1]
    assert (event.action, event.actor) == ("auth.refused", "anonymous")


def test_roles_limit_what_a_token_may_do(registry_store: RegistryStore) -> None:
    approver = authenticate(
        registry_store, issue_token(registry_store, "approver:privacy", by="admin").token
    )
    authorize(registry_store, approver, "approve", approval_role="privacy")
    with pytest.raises(PermissionDeniedError) as info:
        authorize(registry_store, approver, "approve", approval_role="business")
    assert str(info.value) == (
        "approve as 'business': refused by rule 'token-role': a token with role "
        "'approver:privacy' may not approve as 'business'"
    )
    viewer = authenticate(registry_store, issue_token(registry_store, "viewer", by="admin").token)
    with pytest.raises(PermissionDeniedError, match="may not promote"):
        authorize(registry_store, viewer, "promote", model_name="m")
    assert registry_store.list_events()[-1].action == "auth.refused"
    with pytest.raises(DataError, match="must be viewer, deployer, admin or approver:ROLE"):
        issue_token(registry_store, "superuser", by="admin")
