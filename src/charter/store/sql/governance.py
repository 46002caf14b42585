"""Approvals, promotions, charters, tokens and webhooks for ``SqlRegistryStore``.

Promotions serialize on the model row: ``SELECT … FOR UPDATE`` on PostgreSQL, the database lock
taken by ``BEGIN IMMEDIATE`` on SQLite. Under that lock the store compares the slot's current
holder with the one the caller checked the rules against, so of two racing promotions exactly
one commits and the other gets a ``ConflictError``; there is never more than one production.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from charter.errors import ConflictError, NotFoundError, PermissionDeniedError
from charter.store.entities import CharterRecord, ModelRecord, VersionRecord
from charter.store.ports_governance import (
    ApprovalRecord,
    Decision,
    DeliveryRecord,
    NewApproval,
    NewDelivery,
    NewPromotion,
    NewToken,
    NewWebhook,
    PromotionKind,
    PromotionRecord,
    PromotionTarget,
    TokenRecord,
    WebhookRecord,
)
from charter.store.sql.audit import append_event_row
from charter.store.sql.tables import (
    Base,
    SqlAlias,
    SqlCharter,
    SqlModel,
    SqlVersion,
    UtcDateTime,
    utc_now,
)
from charter.store.sql.transactions import TransactionRunner

__all__ = [
    "SqlApiToken",
    "SqlApproval",
    "SqlGovernanceMixin",
    "SqlPromotion",
    "SqlWebhook",
    "SqlWebhookDelivery",
]


class SqlApproval(Base):
    """One approval or rejection of a version by one role, under one charter."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(255))
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(255))
    charter_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> ApprovalRecord:
        return ApprovalRecord(
            id=self.id,
            model_name=self.model.name,
            version=self.version,
            role=self.role,
            decision=cast(Decision, self.decision),
            actor=self.actor,
            charter_hash=self.charter_hash,
            note=self.note,
            evidence=self.evidence,
            created_at=self.created_at,
        )


class SqlPromotion(Base):
    """One move into production, shadow or canary: the history rollback walks."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(16))
    previous_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    canary_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    model: Mapped[SqlModel] = relationship()

    def to_entity(self) -> PromotionRecord:
        return PromotionRecord(
            id=self.id,
            model_name=self.model.name,
            version=self.version,
            target=cast(PromotionTarget, self.target),
            previous_version=self.previous_version,
            kind=cast(PromotionKind, self.kind),
            canary_percent=self.canary_percent,
            actor=self.actor,
            reason=self.reason,
            created_at=self.created_at,
        )


class SqlApiToken(Base):
    """An API token's sha256 and role; the token itself is never stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(255))

    def to_entity(self) -> TokenRecord:
        return TokenRecord(
            id=self.id,
            name=self.name,
            role=self.role,
            prefix=self.prefix,
            token_hash=self.token_hash,
            created_by=self.created_by,
            created_at=self.created_at,
            revoked_at=self.revoked_at,
            revoked_by=self.revoked_by,
        )


class SqlWebhook(Base):
    """A receiver of registry events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(Text)
    secret_env: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_entity(self) -> WebhookRecord:
        return WebhookRecord(
            id=self.id,
            url=self.url,
            events=tuple(self.events or ()),
            secret_env=self.secret_env,
            created_by=self.created_by,
            created_at=self.created_at,
            secret=self.secret,
        )


class SqlWebhookDelivery(Base):
    """The outcome of one event sent to one webhook (kept after the webhook is removed)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text)
    model_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_entity(self) -> DeliveryRecord:
        return DeliveryRecord(
            id=self.id,
            webhook_id=self.webhook_id,
            action=self.action,
            status=cast(Any, self.status),
            attempts=self.attempts,
            response_status=self.response_status,
            error=self.error,
            model_name=self.model_name,
            version=self.version,
            created_at=self.created_at,
        )


def _slot_holder(session: Session, model: SqlModel, slot: str) -> SqlVersion | None:
    """The version in ``production`` or ``shadow`` (by stage), if any."""
    query = select(SqlVersion).where(SqlVersion.model_id == model.id, SqlVersion.stage == slot)
    return session.scalars(query.order_by(SqlVersion.version)).first()


def _set_alias(session: Session, model: SqlModel, alias: str, version: int, actor: str) -> None:
    row = session.scalars(
        select(SqlAlias).where(SqlAlias.model_id == model.id, SqlAlias.alias == alias)
    ).one_or_none()
    if row is None:
        row = SqlAlias(model_id=model.id, alias=alias, model=model)
        session.add(row)
    row.version, row.updated_at, row.updated_by = version, utc_now(), actor


def _drop_alias(session: Session, model: SqlModel, alias: str, *, only: int | None = None) -> None:
    query = delete(SqlAlias).where(SqlAlias.model_id == model.id, SqlAlias.alias == alias)
    if only is not None:
        query = query.where(SqlAlias.version == only)
    session.execute(query, execution_options={"synchronize_session": False})


class SqlGovernanceMixin:
    """Governance storage methods."""

    _tx: TransactionRunner

    def _version(self, session: Session, name: str, version: int, *, lock: bool = False) -> Any:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    def _model(self, session: Session, name: str) -> SqlModel:
        raise AssertionError("provided by SqlRegistryStore")  # pragma: no cover

    @staticmethod
    def _lock_model(session: Session, name: str) -> SqlModel:
        row = session.scalars(
            select(SqlModel).where(SqlModel.name == name).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"model {name!r} is not registered")
        return row

    # --- approvals ---------------------------------------------------------------------------
    def record_decision(self, new: NewApproval, *, exclusive_roles: bool) -> ApprovalRecord:
        ref = f"{new.model_name}@{new.version}"

        def work(session: Session) -> ApprovalRecord:
            version = self._version(session, new.model_name, new.version, lock=True)
            if exclusive_roles and new.decision == "approved":
                standing = _standing_roles(session, version.model_id, new.version, new.charter_hash)
                held = sorted(r for r, a in standing.items() if a == new.actor and r != new.role)
                if held:
                    raise PermissionDeniedError(
                        f"{ref}: refused by rule 'one-person-one-role': {new.actor} already "
                        f"approved it as {', '.join(held)}; one person cannot fill two required "
                        "roles (the charter's approvals.four_eyes is true)"
                    )
            row = SqlApproval(
                model_id=version.model_id,
                version=new.version,
                role=new.role,
                decision=new.decision,
                actor=new.actor,
                charter_hash=new.charter_hash,
                note=new.note,
                evidence=new.evidence,
                created_at=utc_now(),
                model=version.model,
            )
            session.add(row)
            session.flush()
            append_event_row(
                session,
                f"version.{new.decision}",
                actor=new.actor,
                model_name=new.model_name,
                version=new.version,
                after={
                    "role": new.role,
                    "decision": new.decision,
                    "charter_hash": new.charter_hash,
                    "evidence": new.evidence,
                    "approval_id": row.id,
                },
                reason=new.note,
            )
            return row.to_entity()

        return self._tx.run(f"recording the {new.role} decision on {ref}", work)

    def list_approvals(self, name: str, version: int | None = None) -> list[ApprovalRecord]:
        def work(session: Session) -> list[ApprovalRecord]:
            model = self._model(session, name)
            query = select(SqlApproval).where(SqlApproval.model_id == model.id)
            if version is not None:
                query = query.where(SqlApproval.version == version)
            return [row.to_entity() for row in session.scalars(query.order_by(SqlApproval.id))]

        return self._tx.run(f"listing approvals of {name!r}", work, read_only=True)

    # --- promotion ---------------------------------------------------------------------------
    def promote_version(self, new: NewPromotion) -> PromotionRecord:
        ref = f"{new.model_name}@{new.version}"

        def work(session: Session) -> PromotionRecord:
            model = self._lock_model(session, new.model_name)
            target = self._version(session, new.model_name, new.version)
            slot = "shadow" if new.target == "shadow" else "production"
            holder = _slot_holder(session, model, slot)
            current = holder.version if holder is not None else None
            if current != new.expected_version:
                raise ConflictError(
                    f"{ref}: refused by rule 'single-production': {slot} of {new.model_name!r} "
                    f"changed while this promotion was checked (expected "
                    f"{_describe(new.expected_version)}, found {_describe(current)}); "
                    "another promotion won, check the state and retry"
                )
            if target.stage == "archived":
                raise ConflictError(f"{ref}: refused by rule 'archived-is-final': it is archived")
            if current == new.version:
                raise ConflictError(f"{ref}: is already the {slot} version")
            if new.target == "shadow" and target.stage == "production":
                raise ConflictError(f"{ref}: is the production version; it cannot be shadow too")
            before_stage = target.stage
            if new.target == "canary":
                _set_alias(session, model, "canary", new.version, new.actor)
            else:
                if holder is not None:
                    holder.stage = "candidate"
                target.stage = slot
                _set_alias(session, model, slot, new.version, new.actor)
                if slot == "production":
                    _drop_alias(session, model, "shadow", only=new.version)
                    _drop_alias(session, model, "canary")
            row = SqlPromotion(
                model_id=model.id,
                version=new.version,
                target=new.target,
                previous_version=current,
                kind=new.kind,
                canary_percent=new.canary_percent,
                actor=new.actor,
                reason=new.reason,
                created_at=utc_now(),
                model=model,
            )
            session.add(row)
            session.flush()
            append_event_row(
                session,
                "version.rolled_back" if new.kind == "rollback" else "version.promoted",
                actor=new.actor,
                model_name=new.model_name,
                version=new.version,
                before={slot: current, "stage": before_stage},
                after={
                    slot: current if new.target == "canary" else new.version,
                    "stage": target.stage,
                    "target": new.target,
                    "canary_percent": new.canary_percent,
                },
                reason=new.reason,
            )
            return row.to_entity()

        return self._tx.run(f"promoting {ref} to {new.target}", work)

    def archive_version(
        self, name: str, version: int, *, actor: str, reason: str = ""
    ) -> VersionRecord:
        def work(session: Session) -> VersionRecord:
            model = self._lock_model(session, name)
            row = self._version(session, name, version)
            if row.stage == "production":
                raise ConflictError(
                    f"{name}@{version}: refused by rule 'keep-production': it is the production "
                    "version; promote another version or roll back before archiving it"
                )
            before = row.stage
            if before == "archived":
                return cast(VersionRecord, row.to_entity())
            row.stage = "archived"
            for alias in ("shadow", "canary"):
                _drop_alias(session, model, alias, only=version)
            session.flush()
            append_event_row(
                session,
                "version.archived",
                actor=actor,
                model_name=name,
                version=version,
                before={"stage": before},
                after={"stage": "archived"},
                reason=reason,
            )
            return cast(VersionRecord, row.to_entity())

        return self._tx.run(f"archiving {name}@{version}", work)

    def retire_model(
        self, name: str, *, actor: str, reason: str, successor: str = ""
    ) -> ModelRecord:
        def work(session: Session) -> ModelRecord:
            model = self._lock_model(session, name)
            if model.retired_at is not None:
                raise ConflictError(
                    f"{name}: refused by rule 'retired-is-final': it was retired on "
                    f"{model.retired_at:%Y-%m-%d} by {model.retired_by}"
                )
            model.retired_at, model.retired_by = utc_now(), actor
            model.retire_reason, model.successor = reason, successor
            session.flush()
            append_event_row(
                session,
                "model.retired",
                actor=actor,
                model_name=name,
                before={"retired": False},
                after={"retired": True, "successor": successor or None},
                reason=reason,
            )
            return model.to_entity()

        return self._tx.run(f"retiring {name!r}", work)

    def list_promotions(self, name: str) -> list[PromotionRecord]:
        def work(session: Session) -> list[PromotionRecord]:
            model = self._model(session, name)
            query = select(SqlPromotion).where(SqlPromotion.model_id == model.id)
            return [row.to_entity() for row in session.scalars(query.order_by(SqlPromotion.id))]

        return self._tx.run(f"listing promotions of {name!r}", work, read_only=True)

    def current_canary(self, name: str) -> PromotionRecord | None:
        def work(session: Session) -> PromotionRecord | None:
            model = self._model(session, name)
            alias = session.scalars(
                select(SqlAlias).where(SqlAlias.model_id == model.id, SqlAlias.alias == "canary")
            ).one_or_none()
            if alias is None:
                return None
            row = session.scalars(
                select(SqlPromotion)
                .where(
                    SqlPromotion.model_id == model.id,
                    SqlPromotion.target == "canary",
                    SqlPromotion.version == alias.version,
                )
                .order_by(SqlPromotion.id.desc())
                .limit(1)
            ).first()
            return row.to_entity() if row is not None else None

        return self._tx.run(f"reading the canary of {name!r}", work, read_only=True)

    # --- charters ----------------------------------------------------------------------------
    def record_charter(
        self, name: str, charter_hash: str, content: str, *, actor: str
    ) -> CharterRecord:
        def work(session: Session) -> CharterRecord:
            model = self._lock_model(session, name)
            rows = list(
                session.scalars(
                    select(SqlCharter)
                    .where(SqlCharter.model_id == model.id)
                    .order_by(SqlCharter.id)
                )
            )
            for row in rows:
                if row.charter_hash == charter_hash:
                    return row.to_entity()
            new = SqlCharter(
                model_id=model.id,
                charter_hash=charter_hash,
                content=content,
                created_at=utc_now(),
                created_by=actor,
                model=model,
            )
            session.add(new)
            session.flush()
            append_event_row(
                session,
                "charter.changed",
                actor=actor,
                model_name=name,
                before={"charter_hash": rows[-1].charter_hash} if rows else None,
                after={"charter_hash": charter_hash},
            )
            return new.to_entity()

        return self._tx.run(f"recording a charter of {name!r}", work)

    # --- tokens ------------------------------------------------------------------------------
    def create_token(self, new: NewToken) -> TokenRecord:
        def work(session: Session) -> TokenRecord:
            row = SqlApiToken(
                name=new.name,
                role=new.role,
                prefix=new.prefix,
                token_hash=new.token_hash,
                created_by=new.created_by,
                created_at=utc_now(),
                revoked_by="",
            )
            session.add(row)
            session.flush()
            append_event_row(
                session,
                "token.issued",
                actor=new.created_by,
                after={
                    "token_id": row.id,
                    "role": new.role,
                    "name": new.name,
                    "prefix": new.prefix,
                },
            )
            return row.to_entity()

        return self._tx.run("issuing an API token", work)

    def find_token(self, token_hash: str) -> TokenRecord | None:
        def work(session: Session) -> TokenRecord | None:
            query = select(SqlApiToken).where(SqlApiToken.token_hash == token_hash)
            row = session.scalars(query).one_or_none()
            return row.to_entity() if row is not None else None

        return self._tx.run("looking up an API token", work, read_only=True)

    def list_tokens(self) -> list[TokenRecord]:
        def work(session: Session) -> list[TokenRecord]:
            rows = session.scalars(select(SqlApiToken).order_by(SqlApiToken.id))
            return [row.to_entity() for row in rows]

        return self._tx.run("listing API tokens", work, read_only=True)

    def revoke_token(self, token_id: int, *, actor: str) -> TokenRecord:
        def work(session: Session) -> TokenRecord:
            row = session.get(SqlApiToken, token_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"there is no API token with id {token_id}")
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = utc_now(), actor
                session.flush()
                append_event_row(
                    session,
                    "token.revoked",
                    actor=actor,
                    before={"token_id": token_id, "revoked": False},
                    after={"token_id": token_id, "revoked": True, "role": row.role},
                )
            return row.to_entity()

        return self._tx.run(f"revoking API token {token_id}", work)

    # --- webhooks ----------------------------------------------------------------------------
    def add_webhook(self, new: NewWebhook) -> WebhookRecord:
        def work(session: Session) -> WebhookRecord:
            row = SqlWebhook(
                url=new.url,
                events=list(new.events),
                secret=new.secret,
                secret_env=new.secret_env,
                created_by=new.created_by,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            append_event_row(
                session,
                "webhook.added",
                actor=new.created_by,
                after={"webhook_id": row.id, "url": new.url, "events": list(new.events)},
            )
            return row.to_entity()

        return self._tx.run("adding a webhook", work)

    def list_webhooks(self) -> list[WebhookRecord]:
        def work(session: Session) -> list[WebhookRecord]:
            return [
                row.to_entity()
                for row in session.scalars(select(SqlWebhook).order_by(SqlWebhook.id))
            ]

        return self._tx.run("listing webhooks", work, read_only=True)

    def remove_webhook(self, webhook_id: int, *, actor: str) -> None:
        def work(session: Session) -> None:
            row = session.get(SqlWebhook, webhook_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"there is no webhook with id {webhook_id}")
            url = row.url
            session.delete(row)
            session.flush()
            append_event_row(
                session,
                "webhook.removed",
                actor=actor,
                before={"webhook_id": webhook_id, "url": url},
            )

        self._tx.run(f"removing webhook {webhook_id}", work)

    def record_delivery(self, new: NewDelivery) -> DeliveryRecord:
        def work(session: Session) -> DeliveryRecord:
            row = SqlWebhookDelivery(
                webhook_id=new.webhook_id,
                action=new.action,
                status=new.status,
                attempts=new.attempts,
                response_status=new.response_status,
                error=new.error,
                model_name=new.model_name,
                version=new.version,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            return row.to_entity()

        return self._tx.run("recording a webhook delivery", work)

    def list_deliveries(self, webhook_id: int | None = None) -> list[DeliveryRecord]:
        def work(session: Session) -> list[DeliveryRecord]:
            query = select(SqlWebhookDelivery)
            if webhook_id is not None:
                query = query.where(SqlWebhookDelivery.webhook_id == webhook_id)
            rows = session.scalars(query.order_by(SqlWebhookDelivery.id))
            return [row.to_entity() for row in rows]

        return self._tx.run("listing webhook deliveries", work, read_only=True)


def _standing_roles(
    session: Session, model_id: int, version: int, charter_hash: str
) -> dict[str, str]:
    """Role -> actor of each role whose latest decision under ``charter_hash`` is an approval."""
    rows = session.scalars(
        select(SqlApproval)
        .where(
            SqlApproval.model_id == model_id,
            SqlApproval.version == version,
            SqlApproval.charter_hash == charter_hash,
        )
        .order_by(SqlApproval.id)
    )
    latest = {row.role: row for row in rows}
    return {role: row.actor for role, row in latest.items() if row.decision == "approved"}


def _describe(version: int | None) -> str:
    return "none" if version is None else f"version {version}"
