"""Sign-off and deployment: approve, reject, promote, roll back and archive model versions.

Every refusal of a privileged action is itself an audit event (``approval.refused``,
``promotion.refused`` …) carrying the rule's name, then raised as a ``CharterError`` whose message
names the rule. Every change is audited by the store in the same transaction as the change, and
then announced to the webhooks, whose failures never undo or block the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NoReturn

from charter.config import current_user
from charter.contract import Charter, charter_hash, parse_charter
from charter.contract.changes import ChangeClassification, classify_change
from charter.errors import (
    CharterError,
    ConflictError,
    DataError,
    NotFoundError,
    PermissionDeniedError,
)
from charter.governance import rules
from charter.governance.rules import Standing, load_standing, model_charter, refusal_message
from charter.governance.webhooks import Notifier, WebhookNotifier
from charter.store import CharterRecord, ModelRecord, RegistryStore, VersionRecord
from charter.store.ports_governance import (
    ApprovalRecord,
    Decision,
    NewApproval,
    NewPromotion,
    PromotionRecord,
)

__all__ = ["GovernanceService", "Readiness", "resolve_version"]

_GUARDED = (ConflictError, PermissionDeniedError)


def resolve_version(store: RegistryStore, ref: str) -> VersionRecord:
    """``name@3``, ``name@v3``, ``name@latest``, ``name`` or ``name@<alias>`` to a version.

    Written here rather than borrowed from ``charter.registry`` so that governance commands do
    not import the model libraries the registry service loads.
    """
    name, at, selector = ref.strip().partition("@")
    if not name or (at and not selector):
        raise DataError(f"'{ref}' is not a model reference: expected NAME or NAME@VERSION")
    selector = selector or "latest"
    digits = selector[1:] if selector[:1] in "vV" and selector[1:].isdigit() else selector
    if digits.isdigit():
        return store.get_version(name, int(digits))
    if selector == "latest":
        return store.get_version(name, store.get_model(name).latest_version)
    return store.get_version(name, store.get_alias(name, selector).version)


@dataclass(frozen=True)
class Readiness:
    """Whether a version may go to production, and exactly what is missing if not."""

    ref: str
    charter_hash: str
    required_roles: tuple[str, ...]
    approved_roles: dict[str, str]  # role -> approver
    missing: tuple[str, ...]

    @property
    def is_ready(self) -> bool:
        return not self.missing


class GovernanceService:
    """The sign-off and promotion rules over a ``RegistryStore``."""

    def __init__(self, store: RegistryStore, *, notifier: Notifier | None = None) -> None:
        self.store = store
        self.notifier: Notifier = notifier if notifier is not None else WebhookNotifier(store)

    # --- approvals ---------------------------------------------------------------------------
    def approve(
        self, ref: str, *, role: str, by: str | None = None, note: str = "", evidence: str = ""
    ) -> ApprovalRecord:
        """Record ``role``'s approval of a version under its current charter."""
        return self._decide(ref, role, "approved", by=by, note=note, evidence=evidence)

    def reject(
        self, ref: str, *, role: str, by: str | None = None, note: str = "", evidence: str = ""
    ) -> ApprovalRecord:
        """Record ``role``'s rejection; it withdraws that role's standing approval."""
        return self._decide(ref, role, "rejected", by=by, note=note, evidence=evidence)

    def _decide(
        self, ref: str, role: str, decision: Decision, *, by: str | None, note: str, evidence: str
    ) -> ApprovalRecord:
        version = resolve_version(self.store, ref)
        actor = current_user(by)
        kind = "approval" if decision == "approved" else "rejection"
        standing = load_standing(self.store, version)
        refuse = _Refuser(self.store, kind, version, actor, {"role": role})
        if role not in standing.required_roles:
            refuse(
                DataError,
                rules.RULE_KNOWN_ROLE,
                f"unknown role '{role}'; the charter requires {', '.join(standing.required_roles)}",
            )
        if decision == "approved":
            self._check_may_approve(standing, role, actor, refuse)
        try:
            record = self.store.record_decision(
                NewApproval(
                    model_name=version.model_name,
                    version=version.version,
                    role=role,
                    decision=decision,
                    actor=actor,
                    charter_hash=standing.charter_hash,
                    note=note,
                    evidence=evidence,
                ),
                exclusive_roles=standing.four_eyes,
            )
        except _GUARDED as exc:
            refuse.record(exc)
            raise
        self.notifier.notify(
            f"version.{decision}",
            model_name=version.model_name,
            version=version.version,
            actor=actor,
            details={"role": role, "note": note, "evidence": evidence},
        )
        return record

    @staticmethod
    def _check_may_approve(standing: Standing, role: str, actor: str, refuse: _Refuser) -> None:
        version = standing.version
        if standing.model is not None and standing.model.is_retired:
            refuse(ConflictError, rules.RULE_RETIRED, _retired_detail(standing.model))
        if version.stage == "archived":
            refuse(ConflictError, rules.RULE_ARCHIVED, "archived versions cannot be approved")
        gate = standing.gate_problem()
        if gate is not None:
            refuse(
                ConflictError,
                rules.RULE_GATE,
                f"only a version that passed the gate can be approved: {gate}",
            )
        if standing.four_eyes and actor == version.registered_by:
            refuse(
                PermissionDeniedError,
                rules.RULE_FOUR_EYES,
                f"{actor} registered {version.ref} and cannot approve it "
                "(the charter's approvals.four_eyes is true)",
            )
        if (
            role == "validation"
            and actor == version.registered_by
            and standing.requirements.independent_validation
        ):
            refuse(
                PermissionDeniedError,
                rules.RULE_INDEPENDENT,
                f"{actor} registered {version.ref} and cannot be its validator (risk tier "
                f"{standing.requirements.tier} needs a validator independent of the developer)",
            )
        if not standing.four_eyes:
            return
        held = sorted(
            r for r, d in standing.approved_roles().items() if d.actor == actor and r != role
        )
        if held:
            refuse(
                PermissionDeniedError,
                rules.RULE_ONE_ROLE,
                f"{actor} already approved it as {', '.join(held)}; one person cannot fill two "
                "required roles (the charter's approvals.four_eyes is true)",
            )

    def readiness(self, ref: str) -> Readiness:
        """What a version still needs before production (nothing when ``is_ready``)."""
        standing = load_standing(self.store, resolve_version(self.store, ref))
        return Readiness(
            ref=standing.version.ref,
            charter_hash=standing.charter_hash,
            required_roles=standing.required_roles,
            approved_roles={r: d.actor for r, d in standing.approved_roles().items()},
            missing=tuple(standing.missing_for_production()),
        )

    # --- promotion ---------------------------------------------------------------------------
    def promote(
        self,
        ref: str,
        *,
        to: Literal["production", "shadow"],
        by: str | None = None,
        canary_percent: int | None = None,
        reason: str = "",
    ) -> PromotionRecord:
        """Put a version into production (or a production canary) or shadow, if the rules allow.

        Production needs a passing gate under the current charter and every required role
        approved; shadow (which answers no one) needs the passing gate only. With
        ``canary_percent`` the version takes that share of production traffic as alias
        ``canary`` and production stays where it is until a full promotion.
        """
        if to not in ("production", "shadow"):
            raise DataError(
                f"The 'to' parameter of promote must be production or shadow. Got {to!r} instead."
            )
        if canary_percent is not None and (to != "production" or not 0 < canary_percent < 100):
            raise DataError(
                "The 'canary_percent' parameter of promote must be an integer from 1 to 99 with "
                f"--to production. Got {canary_percent!r} with --to {to} instead."
            )
        version = resolve_version(self.store, ref)
        actor = current_user(by)
        refuse = _Refuser(
            self.store, "promotion", version, actor, {"to": to, "canary_percent": canary_percent}
        )
        model = self.store.get_model(version.model_name)
        if model.is_retired:
            refuse(ConflictError, rules.RULE_RETIRED, _retired_detail(model))
        if version.stage == "archived":
            refuse(ConflictError, rules.RULE_ARCHIVED, "archived versions cannot be promoted")
        standing = load_standing(self.store, version)
        if to == "production":
            missing = standing.missing_for_production()
            if missing:
                refuse(ConflictError, rules.RULE_PRODUCTION_READY, "missing " + "; ".join(missing))
        else:
            gate = standing.gate_problem()
            if gate is not None:
                refuse(ConflictError, rules.RULE_GATE, f"shadow needs a passing gate: {gate}")
        slot_holder = self._holder(
            version.model_name, "production" if to == "production" else "shadow"
        )
        new = NewPromotion(
            model_name=version.model_name,
            version=version.version,
            target="canary" if canary_percent is not None else to,
            actor=actor,
            expected_version=slot_holder,
            canary_percent=canary_percent,
            reason=reason,
        )
        return self._move(new, refuse, "version.promoted")

    def rollback(self, name: str, *, by: str | None = None, reason: str = "") -> PromotionRecord:
        """Return production to the newest earlier production version that still passes the rules.

        A version that a rollback moved away from is skipped until it is promoted again.
        """
        actor = current_user(by)
        versions = {v.version: v for v in self.store.list_versions(name)}
        current = self._holder(name, "production")
        subject = versions[current] if current is not None else None
        refuse = _Refuser(self.store, "rollback", subject, actor, {}, model_name=name)
        if current is None:
            refuse(
                ConflictError,
                rules.RULE_ROLLBACK_TARGET,
                "there is no production version to roll back from",
            )
        seen, rolled_away, skipped = {current}, set[int](), list[str]()
        for entry in reversed(self.store.list_promotions(name)):
            if entry.kind == "rollback" and entry.previous_version is not None:
                rolled_away.add(entry.previous_version)
            if entry.target != "production" or entry.version in seen:
                continue
            seen.add(entry.version)
            candidate = versions[entry.version]
            if entry.version in rolled_away:
                skipped.append(f"{candidate.ref} (rolled back from)")
            elif candidate.stage == "archived":
                skipped.append(f"{candidate.ref} (archived)")
            elif missing := load_standing(self.store, candidate).missing_for_production():
                skipped.append(f"{candidate.ref} (missing {'; '.join(missing)})")
            else:
                new = NewPromotion(
                    model_name=name,
                    version=entry.version,
                    target="production",
                    actor=actor,
                    expected_version=current,
                    kind="rollback",
                    reason=reason,
                )
                return self._move(new, refuse, "version.rolled_back")
        refuse(
            ConflictError,
            rules.RULE_ROLLBACK_TARGET,
            "no earlier production version still satisfies the rules"
            + (f": {', '.join(skipped)}" if skipped else f" ({name}@{current} is the first)"),
        )

    def archive(self, ref: str, *, by: str | None = None, reason: str = "") -> VersionRecord:
        """Retire a version: it can no longer be approved, promoted or rolled back to."""
        version = resolve_version(self.store, ref)
        actor = current_user(by)
        refuse = _Refuser(self.store, "archive", version, actor, {})
        try:
            record = self.store.archive_version(
                version.model_name, version.version, actor=actor, reason=reason
            )
        except _GUARDED as exc:
            refuse.record(exc)
            raise
        self.notifier.notify(
            "version.archived",
            model_name=record.model_name,
            version=record.version,
            actor=actor,
            details={"reason": reason},
        )
        return record

    def retire(
        self, name: str, *, reason: str, successor: str = "", by: str | None = None
    ) -> ModelRecord:
        """Decommission a model: never served or promoted again; every record stays."""
        actor = current_user(by)
        if not reason.strip():
            raise DataError(
                "The 'reason' parameter of retire must say why the model is retired. Got an "
                "empty reason instead."
            )
        model = self.store.get_model(name)
        refuse = _Refuser(self.store, "retirement", None, actor, {}, model_name=name)
        if successor:
            if successor == name:
                refuse(DataError, rules.RULE_RETIRED, "a model cannot be its own successor")
            try:
                heir = self.store.get_model(successor)
            except NotFoundError:
                refuse(
                    NotFoundError,
                    rules.RULE_RETIRED,
                    f"the successor {successor!r} is not a registered model",
                )
            if heir.is_retired:
                refuse(ConflictError, rules.RULE_RETIRED, f"the successor {successor!r} is retired")
        if model.is_retired:
            refuse(ConflictError, rules.RULE_RETIRED, _retired_detail(model))
        try:
            record = self.store.retire_model(
                name, actor=actor, reason=reason.strip(), successor=successor
            )
        except _GUARDED as exc:
            refuse.record(exc)
            raise
        self.notifier.notify(
            "model.retired",
            model_name=name,
            version=None,
            actor=actor,
            details={"reason": record.retire_reason, "successor": successor},
        )
        return record

    def record_charter(
        self, name: str, charter: Charter, content: str, *, by: str | None = None
    ) -> CharterRecord:
        """Store a changed charter (audited ``charter.changed``) so gate runs can refer to it.

        The change is classified against the model's charter before it (material or not, by the
        stricter tier's rules) and the classification is audited as ``change.classified``.
        """
        actor = current_user(by)
        before = model_charter(self.store, name)
        record = self.store.record_charter(name, charter_hash(charter), content, actor=actor)
        if before.charter_hash != record.charter_hash:
            previous = parse_charter(before.content, source=f"{name} charter")
            self.audit_change(
                name,
                classify_change(previous, charter),
                by=actor,
                before_hash=before.charter_hash,
                after_hash=record.charter_hash,
            )
        return record

    def audit_change(
        self,
        name: str,
        change: ChangeClassification,
        *,
        by: str | None = None,
        version: int | None = None,
        before_hash: str = "",
        after_hash: str = "",
    ) -> None:
        """Record a change's classification, and who made the change, in the audit log."""
        self.store.append_event(
            "change.classified",
            actor=current_user(by),
            model_name=name,
            version=version,
            before={"charter_hash": before_hash} if before_hash else None,
            after={**change.to_dict(), "charter_hash": after_hash or None},
            reason="material: " + "; ".join(change.material)
            if change.is_material
            else "not material: " + ("; ".join(change.minor) or "no difference"),
        )

    # --- helpers -----------------------------------------------------------------------------
    def _holder(self, name: str, stage: str) -> int | None:
        return next((v.version for v in self.store.list_versions(name) if v.stage == stage), None)

    def _move(self, new: NewPromotion, refuse: _Refuser, action: str) -> PromotionRecord:
        try:
            record = self.store.promote_version(new)
        except _GUARDED as exc:
            refuse.record(exc)
            raise
        self.notifier.notify(
            action,
            model_name=new.model_name,
            version=new.version,
            actor=new.actor,
            details={
                "target": new.target,
                "previous_version": record.previous_version,
                "canary_percent": new.canary_percent,
                "reason": new.reason,
            },
        )
        return record


def _retired_detail(model: ModelRecord) -> str:
    when = f"{model.retired_at:%Y-%m-%d}" if model.retired_at is not None else "?"
    successor = f"; its successor is {model.successor}" if model.successor else ""
    return (
        f"{model.name} was retired on {when} by {model.retired_by} "
        f"({model.retire_reason}){successor}"
    )


class _Refuser:
    """Audits a refused attempt (``<kind>.refused``) and raises the error naming the rule."""

    def __init__(
        self,
        store: RegistryStore,
        kind: str,
        version: VersionRecord | None,
        actor: str,
        details: dict[str, object],
        *,
        model_name: str | None = None,
    ) -> None:
        self._store, self._kind, self._actor, self._details = store, kind, actor, details
        self._model = version.model_name if version is not None else model_name
        self._version = version.version if version is not None else None
        self._subject = version.ref if version is not None else str(model_name)

    def __call__(self, error: type[CharterError], rule: str, detail: str) -> NoReturn:
        message = refusal_message(self._subject, rule, detail)
        self._append(rule, message)
        raise error(message)

    def record(self, exc: CharterError) -> None:
        """Audit a refusal the store raised (a lost race, a rule checked under a lock)."""
        text = exc.message
        rule = (
            text.split("refused by rule '", 1)[1].split("'", 1)[0]
            if "refused by rule '" in text
            else "conflict"
        )
        self._append(rule, text)

    def _append(self, rule: str, message: str) -> None:
        self._store.append_event(
            f"{self._kind}.refused",
            actor=self._actor,
            model_name=self._model,
            version=self._version,
            after={"rule": rule, **{k: v for k, v in self._details.items() if v is not None}},
            reason=message,
        )
