"""The policies part of the registry port: the last firing of each policy of each model.

A policy's state is its last firing: the window it fired on, when, on which version and with
what evidence. Evaluation derives everything else (the current run, whether the policy is armed
again) from the monitoring points, so the stored state stays one small row per policy.

``record_firing`` is a compare-and-set on the previous firing's window: of two evaluators that
decide the same firing at once, exactly one records it (and its ``policy.fired`` audit event, in
the same transaction) and acts; the other is told it lost and does nothing.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["PoliciesPort", "PolicyFiring"]


@dataclass(frozen=True)
class PolicyFiring:
    """One firing of one policy: the newest window of the run that made it fire."""

    model: str
    policy_key: str
    metric: str
    action: str
    version: int
    window_start: datetime
    window_end: datetime
    fired_at: datetime
    evidence: dict[str, Any] = field(default_factory=dict)


class PoliciesPort(abc.ABC):
    """Where policy evaluation keeps the last firing of every policy."""

    @abc.abstractmethod
    def policy_firings(self, name: str) -> dict[str, PolicyFiring]:
        """The last firing of each policy of model ``name``, by policy key.

        Raise ``NotFoundError`` for an unknown model and ``StorageError`` naming the policy when
        a stored row cannot be read back (malformed evidence).
        """

    @abc.abstractmethod
    def record_firing(
        self, firing: PolicyFiring, *, previous_window_end: datetime | None, actor: str
    ) -> bool:
        """Record ``firing`` if the policy's last firing is still ``previous_window_end``.

        Appends a ``policy.fired`` audit event carrying the evidence in the same transaction.
        Returns False, writing nothing, when another evaluator recorded a firing first.
        """
