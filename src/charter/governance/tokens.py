"""API tokens for the HTTP admin API: issued once, stored as a sha256, revocable at once.

Roles and what they may do::

    viewer           read
    deployer         read, promote, rollback, archive
    approver:ROLE    read, approve and reject as ROLE (a role the charter requires)
    admin            everything, including issuing and revoking tokens

``authenticate`` reads the store on every call (no cache), so a revoked token stops working on
the next request. Wrong and revoked tokens, and principals acting outside their role, are refused
with ``PermissionDeniedError`` and an ``auth.refused`` audit event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Literal, NoReturn

from charter.errors import DataError, PermissionDeniedError
from charter.governance.rules import RULE_TOKEN_ROLE, RULE_VALID_TOKEN, refusal_message
from charter.store import RegistryStore
from charter.store.ports_governance import NewToken, TokenRecord

__all__ = [
    "TOKEN_PREFIX",
    "Action",
    "IssuedToken",
    "Principal",
    "authenticate",
    "authorize",
    "hash_token",
    "issue_token",
    "parse_token_role",
    "revoke_token",
]

TOKEN_PREFIX = "chr_"
Action = Literal["read", "promote", "rollback", "archive", "approve", "reject", "admin"]
_ROLE = re.compile(r"^(viewer|deployer|admin|approver:[a-z0-9][a-z0-9._-]*)$")
_DEPLOYER = frozenset({"read", "promote", "rollback", "archive"})


def parse_token_role(role: str) -> str:
    """Check a token role: viewer, deployer, admin or approver:ROLE."""
    if not _ROLE.match(role):
        raise DataError(
            "The 'role' of a token must be viewer, deployer, admin or approver:ROLE (e.g. "
            f"approver:privacy). Got {role!r} instead."
        )
    return role


def hash_token(token: str) -> str:
    """The sha256 (hex) the store keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is shown once and never stored."""

    record: TokenRecord
    token: str = field(repr=False)


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    token_id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        """The identity recorded in audit events for this token's actions."""
        return f"token:{self.token_id}:{self.name}" if self.name else f"token:{self.token_id}"

    def can(self, action: Action, *, approval_role: str | None = None) -> bool:
        """Whether this principal's role allows ``action`` (approvals: as ``approval_role``)."""
        if self.role == "admin" or action == "read":
            return True
        if self.role == "deployer":
            return action in _DEPLOYER
        if self.role.startswith("approver:") and action in ("approve", "reject"):
            return approval_role == self.role.split(":", 1)[1]
        return False


def issue_token(store: RegistryStore, role: str, *, by: str, name: str = "") -> IssuedToken:
    """Create a token for ``role``; only its hash and a short display prefix are stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = store.create_token(
        NewToken(
            role=parse_token_role(role),
            token_hash=hash_token(token),
            prefix=token[:10],
            created_by=by,
            name=name,
        )
    )
    return IssuedToken(record=record, token=token)


def revoke_token(store: RegistryStore, token_id: int, *, by: str) -> TokenRecord:
    """Revoke a token; the next ``authenticate`` with it is refused."""
    return store.revoke_token(token_id, actor=by)


def authenticate(store: RegistryStore, token: str) -> Principal:
    """The principal behind ``token``; a wrong or revoked token is refused and audited."""
    digest = hash_token(token.strip())
    record = store.find_token(digest)
    if record is None or not hmac.compare_digest(record.token_hash, digest):
        _refuse(store, "token", "the token is not valid", actor="anonymous")
    if record.is_revoked:
        when = f"{record.revoked_at:%Y-%m-%d %H:%M} UTC" if record.revoked_at else ""
        _refuse(
            store,
            "token",
            f"token {record.id} was revoked {when}".strip(),
            actor=f"token:{record.id}",
        )
    return Principal(token_id=record.id, name=record.name, role=record.role)


def authorize(
    store: RegistryStore,
    principal: Principal,
    action: Action,
    *,
    approval_role: str | None = None,
    model_name: str | None = None,
    version: int | None = None,
) -> None:
    """Refuse (and audit) an action outside the principal's role."""
    if principal.can(action, approval_role=approval_role):
        return
    as_role = f" as '{approval_role}'" if approval_role else ""
    message = refusal_message(
        f"{action}{as_role}",
        RULE_TOKEN_ROLE,
        f"a token with role '{principal.role}' may not {action}{as_role}",
    )
    store.append_event(
        "auth.refused",
        actor=principal.actor,
        model_name=model_name,
        version=version,
        after={"rule": RULE_TOKEN_ROLE, "action": action, "role": principal.role},
        reason=message,
    )
    raise PermissionDeniedError(message)


def _refuse(store: RegistryStore, subject: str, detail: str, *, actor: str) -> NoReturn:
    message = refusal_message(subject, RULE_VALID_TOKEN, detail)
    store.append_event(
        "auth.refused", actor=actor, after={"rule": RULE_VALID_TOKEN}, reason=message
    )
    raise PermissionDeniedError(message)
