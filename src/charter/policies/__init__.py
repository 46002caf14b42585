"""Policies: the charter's structured rules that alert, retrain or roll back a live model.

``evaluate_policies(registry, name)`` judges every policy of the production version's charter
against the monitoring points of that version and runs the actions of those that fire. Each
policy fires once per episode (hysteresis), not within its cooldown, and never twice on the
same windows; its last firing is kept in the registry (``policy_states``) and every firing and
its outcome are audit events with the evidence.
"""

from __future__ import annotations

from charter.policies.actions import RETRAIN_PENDING, policy_actor
from charter.policies.alerts import ALERT_EVENT, AlertSender, alert_body
from charter.policies.decision import (
    ActionOutcome,
    PolicyDecision,
    PolicyState,
    WindowValue,
    policy_key,
)
from charter.policies.judge import holds, judge_policy
from charter.policies.retrain import RetrainOptions, labelled_log_rows, retrain
from charter.policies.service import evaluate_policies

__all__ = [
    "ALERT_EVENT",
    "RETRAIN_PENDING",
    "ActionOutcome",
    "AlertSender",
    "PolicyDecision",
    "PolicyState",
    "RetrainOptions",
    "WindowValue",
    "alert_body",
    "evaluate_policies",
    "holds",
    "judge_policy",
    "labelled_log_rows",
    "policy_actor",
    "policy_key",
    "retrain",
]
