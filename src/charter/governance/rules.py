"""The sign-off rules, read from what the store knows about one version.

The *current charter* of a version is the charter of its latest gate run; before any gate run it
is the charter the version was registered under. Approvals count only under the current charter,
so validating a version again under a changed charter makes every earlier approval lapse. A
version is ready for production when its latest gate run passed (``pass`` or ``warn``) and every
role the current charter requires has a standing approval: that role's latest decision under the
current charter is an approval.

Model-risk rules (``charter.contract.tiers``) tighten this: the roles are the charter's plus its
tier's; four-eyes may be forced by the tier; where the tier asks for an independent validator, the
latest gate run and the validation approval must come from someone other than the registrant.
The *model's charter* is the one most recently recorded or registered for the model; when it
differs *materially* from a version's current charter (``charter.contract.changes``), the version's
gate and approvals are stale until it is validated again under the model's charter. A retired
model's versions are never ready.
"""

from __future__ import annotations

from dataclasses import dataclass

from charter.contract import Charter, parse_charter
from charter.contract.changes import ChangeClassification, classify_change
from charter.contract.tiers import RiskRequirements, requirements_of
from charter.errors import ConflictError, NotFoundError
from charter.store import (
    CharterRecord,
    ModelRecord,
    RegistryStore,
    ValidationRunRecord,
    VersionRecord,
)
from charter.store.ports_governance import ApprovalRecord

__all__ = [
    "RULE_ARCHIVED",
    "RULE_FOUR_EYES",
    "RULE_GATE",
    "RULE_INDEPENDENT",
    "RULE_KEEP_PRODUCTION",
    "RULE_KNOWN_ROLE",
    "RULE_ONE_ROLE",
    "RULE_PRODUCTION_READY",
    "RULE_RETIRED",
    "RULE_ROLLBACK_TARGET",
    "RULE_SINGLE_PRODUCTION",
    "RULE_TOKEN_ROLE",
    "RULE_VALID_TOKEN",
    "Standing",
    "load_standing",
    "model_charter",
    "refusal_message",
]

RULE_KNOWN_ROLE = "known-role"
RULE_GATE = "gate-passed"
RULE_FOUR_EYES = "four-eyes"
RULE_ONE_ROLE = "one-person-one-role"
RULE_ARCHIVED = "archived-is-final"
RULE_PRODUCTION_READY = "production-ready"
RULE_SINGLE_PRODUCTION = "single-production"
RULE_KEEP_PRODUCTION = "keep-production"
RULE_ROLLBACK_TARGET = "rollback-target"
RULE_VALID_TOKEN = "valid-token"
RULE_TOKEN_ROLE = "token-role"
RULE_INDEPENDENT = "independent-validation"
RULE_RETIRED = "retired-is-final"


def refusal_message(subject: str, rule: str, detail: str) -> str:
    """One shape for every refusal: what was refused, the rule's name, and why."""
    return f"{subject}: refused by rule '{rule}': {detail}"


@dataclass(frozen=True)
class Standing:
    """Where one version stands: its current charter, latest gate run and decisions under it."""

    version: VersionRecord
    charter_hash: str
    charter: Charter
    gate: ValidationRunRecord | None
    decisions: tuple[ApprovalRecord, ...]
    model: ModelRecord | None = None
    model_charter_hash: str = ""
    change: ChangeClassification | None = None
    """How the model's charter differs from this version's current one (None: it is the same)."""

    @property
    def requirements(self) -> RiskRequirements:
        """The current charter's demands with its risk tier's floors applied."""
        return requirements_of(self.charter)

    @property
    def required_roles(self) -> tuple[str, ...]:
        return self.requirements.required_roles

    @property
    def four_eyes(self) -> bool:
        return self.requirements.four_eyes

    @property
    def is_stale(self) -> bool:
        """Whether a material change to the model's charter makes this standing lapse."""
        return self.change is not None and self.change.is_material

    def independence_problems(self) -> list[str]:
        """Where the tier asks for an independent validator and did not get one."""
        if not self.requirements.independent_validation:
            return []
        found: list[str] = []
        developer = self.version.registered_by
        if self.gate is not None and self.gate.run_by == developer:
            found.append(
                f"an independent gate run (run {self.gate.id} was run by {developer}, who "
                f"registered {self.version.ref}; tier {self.requirements.tier} needs an "
                "independent validator)"
            )
        validation = self.approved_roles().get("validation")
        if validation is not None and validation.actor == developer:
            found.append(
                f"an independent validation approval ({developer} registered {self.version.ref})"
            )
        return found

    def latest_by_role(self) -> dict[str, ApprovalRecord]:
        """Each role's latest decision under the current charter."""
        return {d.role: d for d in self.decisions}

    def approved_roles(self) -> dict[str, ApprovalRecord]:
        """Roles whose latest decision is an approval (a standing approval)."""
        return {r: d for r, d in self.latest_by_role().items() if d.is_approval}

    def gate_problem(self) -> str | None:
        """Why the gate does not allow this version, or None when its latest run passed."""
        if self.gate is None:
            return f"{self.version.ref} has no gate run yet (run `charter validate` first)"
        if not self.gate.passed:
            return (
                f"the latest gate run of {self.version.ref} (run {self.gate.id}, "
                f"{self.gate.created_at:%Y-%m-%d %H:%M} UTC) failed"
            )
        if self.change is not None and self.change.is_material:
            return (
                f"{self.version.ref} was validated under charter {self.charter_hash[:12]}…, but "
                f"the model's charter changed materially since ({'; '.join(self.change.material)})"
                f"; validate it again under charter {self.model_charter_hash[:12]}…"
            )
        return None

    def missing_for_production(self) -> list[str]:
        """Exactly what keeps this version out of production; empty when it may go."""
        missing: list[str] = []
        if self.model is not None and self.model.is_retired:
            missing.append(f"a model in use ({self.version.model_name} is retired)")
        gate = self.gate_problem()
        if gate is not None:
            missing.append(f"a passing gate ({gate})")
        latest = self.latest_by_role()
        for role in self.required_roles:
            decision = latest.get(role)
            if decision is None:
                missing.append(f"approval by role '{role}'")
            elif not decision.is_approval:
                missing.append(f"approval by role '{role}' (rejected by {decision.actor})")
        missing.extend(self.independence_problems())
        return missing


def current_charter_hash(version: VersionRecord, gate: ValidationRunRecord | None) -> str:
    """The charter of the latest gate run, else the one the version was registered under."""
    return gate.charter_hash if gate is not None else version.charter_hash


def model_charter(store: RegistryStore, name: str) -> CharterRecord:
    """The model's charter: the one most recently recorded, or registered with a version."""
    charters = store.list_charters(name)
    by_hash = {c.charter_hash: c for c in charters}
    newest = max(charters, key=lambda c: c.created_at)
    versions = store.list_versions(name)
    if versions:
        latest = max(versions, key=lambda v: (v.created_at, v.version))
        if latest.created_at >= newest.created_at and latest.charter_hash in by_hash:
            return by_hash[latest.charter_hash]
    return newest


def load_standing(store: RegistryStore, version: VersionRecord) -> Standing:
    """Read a version's current charter, latest gate run and the decisions that still count."""
    gate = store.latest_validation_run(version.model_name, version.version)
    charter_hash = current_charter_hash(version, gate)
    try:
        record = store.get_charter(version.model_name, charter_hash)
    except NotFoundError:
        raise ConflictError(
            f"{version.ref} was last validated under charter {charter_hash[:12]}…, which the "
            "registry does not hold; record it first (charter.governance.record_charter)"
        ) from None
    charter = parse_charter(record.content, source=f"{version.ref} charter {charter_hash[:12]}")
    decisions = tuple(
        d
        for d in store.list_approvals(version.model_name, version.version)
        if d.charter_hash == charter_hash
    )
    governing = model_charter(store, version.model_name)
    change = None
    if governing.charter_hash != charter_hash:
        source = f"{version.model_name} charter {governing.charter_hash[:12]}"
        change = classify_change(charter, parse_charter(governing.content, source=source))
    return Standing(
        version=version,
        charter_hash=charter_hash,
        charter=charter,
        gate=gate,
        decisions=decisions,
        model=store.get_model(version.model_name),
        model_charter_hash=governing.charter_hash,
        change=change,
    )
