"""The governance part of the registry port: approvals, promotions, tokens and webhooks.

The store keeps the records and the invariants that need a lock (one production version, one
person per required role); the rules that need the charter live in ``charter.governance``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from charter.store.entities import CharterRecord, ModelRecord, VersionRecord

__all__ = [
    "ApprovalRecord",
    "Decision",
    "DeliveryRecord",
    "GovernancePort",
    "NewApproval",
    "NewDelivery",
    "NewPromotion",
    "NewToken",
    "NewWebhook",
    "PromotionKind",
    "PromotionRecord",
    "PromotionTarget",
    "TokenRecord",
    "WebhookRecord",
]

Decision = Literal["approved", "rejected"]
PromotionTarget = Literal["production", "shadow", "canary"]
PromotionKind = Literal["promote", "rollback"]


@dataclass(frozen=True)
class NewApproval:
    """A sign-off (or refusal) by one role, tied to a version and the charter it was given under."""

    model_name: str
    version: int
    role: str
    decision: Decision
    actor: str
    charter_hash: str
    note: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class ApprovalRecord:
    """A stored approval or rejection."""

    id: int
    model_name: str
    version: int
    role: str
    decision: Decision
    actor: str
    charter_hash: str
    note: str
    evidence: str
    created_at: datetime

    @property
    def is_approval(self) -> bool:
        return self.decision == "approved"


@dataclass(frozen=True)
class NewPromotion:
    """A move of a version into a slot, guarded by compare-and-set.

    ``expected_version`` is the version the caller saw in the slot when it checked the rules (the
    production version for ``production`` and ``canary``, the shadow version for ``shadow``); the
    store refuses with ``ConflictError`` if another writer changed it in between.
    """

    model_name: str
    version: int
    target: PromotionTarget
    actor: str
    expected_version: int | None
    kind: PromotionKind = "promote"
    canary_percent: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class PromotionRecord:
    """One entry of a model's deployment history (rollback walks it backwards)."""

    id: int
    model_name: str
    version: int
    target: PromotionTarget
    previous_version: int | None
    kind: PromotionKind
    canary_percent: int | None
    actor: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class NewToken:
    """An API token to store: only its sha256 is kept, never the token."""

    role: str
    token_hash: str
    prefix: str
    created_by: str
    name: str = ""


@dataclass(frozen=True)
class TokenRecord:
    """A stored API token (without the secret); revoked when ``revoked_at`` is set."""

    id: int
    name: str
    role: str
    prefix: str
    token_hash: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str = ""

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class NewWebhook:
    """A receiver of registry events; the HMAC secret is given inline or named by an env var."""

    url: str
    created_by: str
    events: tuple[str, ...] = ("*",)
    secret: str = field(default="", repr=False)
    secret_env: str = ""


@dataclass(frozen=True)
class WebhookRecord:
    """A configured webhook; ``secret`` never appears in ``repr``."""

    id: int
    url: str
    events: tuple[str, ...]
    secret_env: str
    created_by: str
    created_at: datetime
    secret: str = field(default="", repr=False)

    def wants(self, action: str) -> bool:
        """Whether this webhook subscribed to ``action`` (``*`` means every event)."""
        return "*" in self.events or action in self.events


@dataclass(frozen=True)
class NewDelivery:
    """The outcome of sending one event to one webhook."""

    webhook_id: int
    action: str
    status: Literal["delivered", "failed"]
    attempts: int
    response_status: int | None = None
    error: str = ""
    model_name: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    """A stored delivery outcome."""

    id: int
    webhook_id: int
    action: str
    status: Literal["delivered", "failed"]
    attempts: int
    response_status: int | None
    error: str
    model_name: str | None
    version: int | None
    created_at: datetime


class GovernancePort(abc.ABC):
    """Storage the sign-off, promotion and token rules need."""

    # --- approvals ---------------------------------------------------------------------------
    @abc.abstractmethod
    def record_decision(self, new: NewApproval, *, exclusive_roles: bool) -> ApprovalRecord:
        """Store an approval or rejection and its audit event in one transaction.

        With ``exclusive_roles`` an approval is refused (``PermissionDeniedError``) when the actor
        already holds another role's standing approval of the version under the same charter,
        checked under the version's row lock so two concurrent approvals cannot both pass.
        """

    @abc.abstractmethod
    def list_approvals(self, name: str, version: int | None = None) -> list[ApprovalRecord]:
        """Oldest first; every version of ``name`` when ``version`` is None."""

    # --- promotion ---------------------------------------------------------------------------
    @abc.abstractmethod
    def promote_version(self, new: NewPromotion) -> PromotionRecord:
        """Move a version into production, shadow or canary atomically (see ``NewPromotion``).

        Keeps exactly one production version: the previous one returns to ``candidate``. Refuses
        archived versions and a stale ``expected_version`` with ``ConflictError``.
        """

    @abc.abstractmethod
    def archive_version(
        self, name: str, version: int, *, actor: str, reason: str = ""
    ) -> VersionRecord:
        """Retire a version for good; refuses the production version (``ConflictError``)."""

    @abc.abstractmethod
    def retire_model(
        self, name: str, *, actor: str, reason: str, successor: str = ""
    ) -> ModelRecord:
        """Decommission a model, audited as ``model.retired``; its records all stay.

        Refuses a model already retired (``ConflictError``) so the first reason is kept.
        """

    @abc.abstractmethod
    def list_promotions(self, name: str) -> list[PromotionRecord]:
        """The deployment history of a model, oldest first."""

    @abc.abstractmethod
    def current_canary(self, name: str) -> PromotionRecord | None:
        """The live canary (version and traffic percentage), or None."""

    # --- audit -------------------------------------------------------------------------------
    @abc.abstractmethod
    def verify_chain(self) -> tuple[bool, int | None, str]:
        """Recompute the audit chain: ``(ok, first bad seq, reason)``."""

    # --- charters ----------------------------------------------------------------------------
    @abc.abstractmethod
    def record_charter(
        self, name: str, charter_hash: str, content: str, *, actor: str
    ) -> CharterRecord:
        """Store a new charter text for a model, audited as ``charter.changed``; idempotent."""

    # --- tokens ------------------------------------------------------------------------------
    @abc.abstractmethod
    def create_token(self, new: NewToken) -> TokenRecord:
        """Store a token's hash, audited as ``token.issued``."""

    @abc.abstractmethod
    def find_token(self, token_hash: str) -> TokenRecord | None:
        """The token with this sha256, revoked or not, or None."""

    @abc.abstractmethod
    def list_tokens(self) -> list[TokenRecord]: ...

    @abc.abstractmethod
    def revoke_token(self, token_id: int, *, actor: str) -> TokenRecord:
        """Revoke at once, audited as ``token.revoked``; ``NotFoundError`` for an unknown id."""

    # --- webhooks ----------------------------------------------------------------------------
    @abc.abstractmethod
    def add_webhook(self, new: NewWebhook) -> WebhookRecord: ...

    @abc.abstractmethod
    def list_webhooks(self) -> list[WebhookRecord]: ...

    @abc.abstractmethod
    def remove_webhook(self, webhook_id: int, *, actor: str) -> None: ...

    @abc.abstractmethod
    def record_delivery(self, new: NewDelivery) -> DeliveryRecord: ...

    @abc.abstractmethod
    def list_deliveries(self, webhook_id: int | None = None) -> list[DeliveryRecord]:
        """Oldest first."""
