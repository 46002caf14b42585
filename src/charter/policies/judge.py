"""Judging one policy against one version's windows: runs, hysteresis, cooldown. No I/O.

A window *holds* when its value is not None and is above (or below) the policy's value. The
*run* is the number of consecutive holding windows ending at the newest window; a window that
is missing (the next one does not start where the last ended) or has no value breaks it. Metrics
computed on labelled rows (``performance.*``, ``fairness.*``) are the exception at the newest
end: their recent windows have no value until the labels come (``monitoring.label_delay``), so
their run ends at the newest window with a value. The policy fires when the run reaches
``for_windows`` and

- the newest window ends after the last firing's window (the same windows never fire twice);
- it is *armed* (hysteresis): it never fired, it last fired on another version, or a window of
  this version starting at or after the last firing's window was judged and did not hold. A
  missing or empty window does not re-arm: it is no evidence that the condition cleared;
- the cooldown since the last firing has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from charter.contract import PolicySpec
from charter.policies.decision import PolicyDecision, PolicyState, WindowValue, policy_key
from charter.store.ports_monitoring import MonitoringPoint
from charter.store.ports_policies import PolicyFiring

__all__ = ["holds", "judge_policy"]

# Families judged on labelled rows only: a window without labels yet has no value.
_LABELLED_FAMILIES = ("performance.", "fairness.")


def holds(spec: PolicySpec, value: float | None) -> bool:
    """Whether one window's value meets the policy's condition (None never does)."""
    if value is None:
        return False
    if spec.above is not None:
        return value > spec.above
    return spec.below is not None and value < spec.below


def judge_policy(
    spec: PolicySpec,
    points: Sequence[MonitoringPoint],
    last: PolicyFiring | None,
    *,
    model: str,
    version: int,
    now: datetime,
) -> PolicyDecision:
    """Decide whether ``spec`` fires on ``version``'s ``points`` (its metric, any order)."""
    mine = sorted(
        (p for p in points if p.version == version and p.metric == spec.metric),
        key=lambda p: p.window_start,
    )
    values = [WindowValue(p.window_start, p.window_end, p.value) for p in mine]
    labelled = spec.metric.startswith(_LABELLED_FAMILIES)
    if labelled:
        while values and values[-1].value is None:  # labels not in yet: not judged yet
            values.pop()
    run = _run(spec, values)
    latest = values[-1] if values else None
    cooldown = spec.cooldown

    def decide(state: PolicyState, reason: str) -> PolicyDecision:
        return PolicyDecision(
            model=model,
            key=policy_key(spec),
            metric=spec.metric,
            comparison="above" if spec.above is not None else "below",
            threshold=float(spec.above if spec.above is not None else spec.below or 0.0),
            for_windows=spec.for_windows,
            action=spec.action,
            cooldown_seconds=None if cooldown is None else cooldown.total_seconds(),
            version=version,
            state=state,
            reason=reason,
            run=run,
            windows=tuple(values[len(values) - min(run, spec.for_windows) :]) if run else (),
            latest=latest,
            last_fired_at=None if last is None else last.fired_at,
            last_fired_window_end=None if last is None else last.window_end,
        )

    if latest is None or all(v.value is None for v in values):
        return decide("no_data", f"no judged window of {spec.metric} for version {version} yet")
    if run == 0:
        shown = "no value" if latest.value is None else f"{latest.value:.6g}"
        newest = "newest labelled window" if labelled else "newest window"
        return decide("ok", f"{newest} {shown}; condition {_condition(spec)} does not hold")
    if run < spec.for_windows:
        return decide("building", f"condition held {run} of {spec.for_windows} consecutive windows")
    if last is not None and latest.window_end <= last.window_end:
        return decide(
            "holding", f"already fired on the window ending {last.window_end.isoformat()}"
        )
    if last is not None and last.version == version and not _cleared_since(spec, values, last):
        return decide(
            "holding",
            f"fired at {last.fired_at.isoformat()}; the condition has not cleared since",
        )
    if last is not None and cooldown is not None and now < last.fired_at + cooldown:
        until = (last.fired_at + cooldown).isoformat()
        return decide("cooldown", f"would fire, but cooling down until {until}")
    return decide(
        "fired", f"{_condition(spec)} held for {run} consecutive windows (needs {spec.for_windows})"
    )


def _condition(spec: PolicySpec) -> str:
    if spec.above is not None:
        return f"{spec.metric} > {spec.above:g}"
    return f"{spec.metric} < {spec.below:g}"


def _run(spec: PolicySpec, values: Sequence[WindowValue]) -> int:
    run = 0
    for index in range(len(values) - 1, -1, -1):
        window = values[index]
        if not holds(spec, window.value):
            break
        if run and window.window_end != values[index + 1].window_start:
            break  # a missing window between this one and the run
        run += 1
    return run


def _cleared_since(spec: PolicySpec, values: Sequence[WindowValue], last: PolicyFiring) -> bool:
    return any(
        v.window_start >= last.window_end and v.value is not None and not holds(spec, v.value)
        for v in values
    )
