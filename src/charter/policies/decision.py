"""What evaluating one policy returns: its state, the evidence, and what its action did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from charter.contract import PolicySpec

__all__ = [
    "ActionOutcome",
    "ActionStatus",
    "PolicyDecision",
    "PolicyState",
    "WindowValue",
    "policy_key",
]

PolicyState = Literal[
    "no_data",  # no judged window of the production version yet
    "ok",  # the newest window does not meet the condition
    "building",  # the condition holds, for fewer windows than for_windows
    "fired",  # fired by this evaluation (its action ran, unless a dry run)
    "holding",  # fired before and has not cleared since (hysteresis)
    "cooldown",  # would fire, but the last firing is too recent
    "error",  # could not be evaluated; ``reason`` says why
]
ActionStatus = Literal["done", "failed", "pending", "skipped"]


def policy_key(spec: PolicySpec) -> str:
    """The stable name of a policy: action, metric, comparison, value and window count.

    Changing any of those makes a new policy with a fresh state; changing only the cooldown
    keeps the state.
    """
    sign, value = (">", spec.above) if spec.above is not None else ("<", spec.below)
    return f"{spec.action}:{spec.metric}{sign}{value:g}x{spec.for_windows}"


@dataclass(frozen=True)
class WindowValue:
    """One window's figure, as evidence."""

    window_start: datetime
    window_end: datetime
    value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "value": self.value,
        }


@dataclass(frozen=True)
class ActionOutcome:
    """What a fired policy's action did; a failure is an outcome, never an exception."""

    action: str
    status: ActionStatus
    detail: str
    attempts: int = 0
    response_status: int | None = None
    version: int | None = None  # the production version after a rollback

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "status": self.status,
            "detail": self.detail,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "version": self.version,
        }


@dataclass(frozen=True)
class PolicyDecision:
    """One policy judged against the production version's newest windows."""

    model: str
    key: str
    metric: str
    comparison: Literal["above", "below"]
    threshold: float
    for_windows: int
    action: str
    cooldown_seconds: float | None
    version: int | None
    state: PolicyState
    reason: str
    run: int = 0
    windows: tuple[WindowValue, ...] = ()  # the run that fired (or would), newest last
    latest: WindowValue | None = None
    last_fired_at: datetime | None = None
    last_fired_window_end: datetime | None = None
    is_dry_run: bool = False
    outcome: ActionOutcome | None = field(default=None)

    @property
    def fires(self) -> bool:
        """Whether this evaluation fired the policy (or would, in a dry run)."""
        return self.state == "fired"

    def evidence(self) -> dict[str, Any]:
        """The audit payload of a firing: metric, comparison, threshold and the run's windows."""
        return {
            "metric": self.metric,
            "comparison": self.comparison,
            "threshold": self.threshold,
            "for_windows": self.for_windows,
            "version": self.version,
            "windows": [w.to_dict() for w in self.windows],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "policy": self.key,
            "metric": self.metric,
            "comparison": self.comparison,
            "threshold": self.threshold,
            "for_windows": self.for_windows,
            "action": self.action,
            "cooldown_seconds": self.cooldown_seconds,
            "version": self.version,
            "state": self.state,
            "fires": self.fires,
            "reason": self.reason,
            "run": self.run,
            "windows": [w.to_dict() for w in self.windows],
            "latest": None if self.latest is None else self.latest.to_dict(),
            "last_fired_at": None if self.last_fired_at is None else self.last_fired_at.isoformat(),
            "last_fired_window_end": (
                None
                if self.last_fired_window_end is None
                else self.last_fired_window_end.isoformat()
            ),
            "dry_run": self.is_dry_run,
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
        }
