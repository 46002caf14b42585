"""Running a fired policy's action: alert, rollback or retrain.

Every action returns an ``ActionOutcome`` and appends one audit event saying what it did
(``policy.alert_sent``, ``policy.alert_failed``, ``policy.rollback_done``,
``policy.rollback_failed``, ``policy.retrain_done``, ``policy.retrain_failed``,
``policy.retrain_pending`` when no retrain runner was given); none raises a ``CharterError`` out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from charter.contract import AlertsSpec
from charter.errors import CharterError
from charter.governance import GovernanceService
from charter.policies.alerts import AlertSender, alert_body
from charter.policies.decision import ActionOutcome, PolicyDecision
from charter.store import RegistryStore

__all__ = ["RETRAIN_PENDING", "Retrainer", "policy_actor", "run_action"]

RETRAIN_PENDING = (
    "pending: retraining needs the prediction log's home; run `charter run` or `charter policies`"
)
Retrainer = Callable[[PolicyDecision], ActionOutcome]
logger = logging.getLogger("charter.policies")


def policy_actor(decision: PolicyDecision) -> str:
    """The system identity a policy acts as in the audit log: ``policy:<key>``."""
    return f"policy:{decision.key}"


def run_action(
    store: RegistryStore,
    decision: PolicyDecision,
    *,
    alerts: AlertsSpec,
    sender: AlertSender,
    governance: GovernanceService,
    fired_at: datetime,
    retrainer: Retrainer | None = None,
) -> ActionOutcome:
    """Do what ``decision``'s policy asks and audit the outcome."""
    if decision.action == "alert":
        outcome = sender.send(alerts, alert_body(decision, fired_at=fired_at))
    elif decision.action == "rollback":
        outcome = _rollback(decision, governance)
    elif retrainer is not None:
        outcome = retrainer(decision)
    else:
        outcome = ActionOutcome(decision.action, "pending", RETRAIN_PENDING)
    _audit(store, decision, outcome)
    return outcome


def _rollback(decision: PolicyDecision, governance: GovernanceService) -> ActionOutcome:
    sign = ">" if decision.comparison == "above" else "<"
    reason = (
        f"policy {decision.key}: {decision.metric} {sign} {decision.threshold:g} for "
        f"{decision.run} consecutive window(s) on {decision.model}@{decision.version}"
    )
    try:
        record = governance.rollback(decision.model, by=policy_actor(decision), reason=reason)
    except CharterError as exc:  # the refusal is already audited as rollback.refused
        logger.error("policy rollback of %s failed: %s", decision.model, exc.message)
        return ActionOutcome("rollback", "failed", exc.message)
    return ActionOutcome(
        "rollback",
        "done",
        f"production moved from {decision.model}@{record.previous_version} to "
        f"{decision.model}@{record.version}",
        version=record.version,
    )


def _audit(store: RegistryStore, decision: PolicyDecision, outcome: ActionOutcome) -> None:
    suffix = {"done": "sent" if outcome.action == "alert" else "done"}.get(
        outcome.status, outcome.status
    )
    try:
        store.append_event(
            f"policy.{outcome.action}_{suffix}",
            actor=policy_actor(decision),
            model_name=decision.model,
            version=decision.version,
            after={
                "policy": decision.key,
                "outcome": outcome.to_dict(),
                "evidence": decision.evidence(),
            },
            reason=outcome.detail,
        )
    except CharterError as exc:  # the outcome is still returned and logged
        logger.error("could not audit the outcome of policy %s: %s", decision.key, exc.message)
