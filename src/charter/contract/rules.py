"""Rules that span charter sections, run on the raw mapping so a half-valid file still gets them.

Each rule reads what it needs defensively (a section may be missing or of the wrong type, which
the schema reports separately) and yields ``RuleIssue``s naming the exact key to fix. The same
rules guard a ``Charter`` built in Python: its validator runs them on ``model_dump(mode="json")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from charter.contract.catalog import (
    CLASSIFICATION_METRICS,
    FAIRNESS_METRICS,
    REGRESSION_METRICS,
    is_known_metric,
    validation_metric_error,
)
from charter.contract.durations import format_duration, parse_duration
from charter.contract.risk import TIER_RANK, RiskFactors

__all__ = ["SKIP_RULES", "RuleIssue", "check_rules", "dotted_path"]

SKIP_RULES = "charter.skip_rules"  # validation-context key: the loader runs the rules itself
PathPart = str | int


def dotted_path(path: tuple[PathPart, ...]) -> str:
    """``("policies", 0, "metric")`` -> ``"policies[0].metric"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class RuleIssue:
    """One broken rule: where, what, and whether it blocks the charter."""

    path: tuple[PathPart, ...]
    message: str
    severity: Literal["error", "warning"] = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return f"{dotted_path(self.path) or '<root>'}: {self.message}"


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _map(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _duration(value: Any) -> Any:
    try:
        return parse_duration(value)
    except ValueError:
        return None


def _decision_timing(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    lead = _duration(_get(data, "decision", "lead_time"))
    horizon = _duration(_get(data, "decision", "horizon"))
    if lead is not None and horizon is not None and horizon < lead:
        yield RuleIssue(
            ("decision", "horizon"),
            f"{format_duration(horizon)} is shorter than the lead time {format_duration(lead)} "
            "— the solution doesn't match the need",
        )


def _target(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    task, target = data.get("task"), _map(data.get("target"))
    if not target:
        return
    if task == "binary_classification":
        if target.get("positive") is None:
            yield RuleIssue(
                ("target", "positive"),
                "binary classification needs the positive class: the value of the target that "
                'the model scores (like positive: ">50K")',
            )
        classes = target.get("classes")
        if isinstance(classes, list) and len(classes) != 2:
            yield RuleIssue(
                ("target", "classes"),
                f"binary classification has exactly two classes; got {len(classes)}",
            )
    elif task == "regression":
        for key in ("positive", "classes"):
            if target.get(key) is not None:
                yield RuleIssue(("target", key), f"a regression target has no {key}")


def _column_roles(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    features, identifiers = _map(data.get("features")), _map(data.get("identifiers"))
    sensitive, column = _map(data.get("sensitive")), _get(data, "target", "column")
    for name in identifiers:
        if name in features:
            yield RuleIssue(
                ("identifiers", name),
                f"'{name}' is also a feature; an identifier is never a model input",
            )
    for name, spec in sensitive.items():
        if name in features and _get(spec, "allow_as_input") is not True:
            yield RuleIssue(
                ("features", name),
                f"'{name}' is a sensitive attribute; it may be a model input only with "
                f"allow_as_input: true under sensitive.{name}",
            )
    if isinstance(column, str):
        for section, mapping in (
            ("features", features),
            ("identifiers", identifiers),
            ("sensitive", sensitive),
        ):
            if column in mapping:
                yield RuleIssue(
                    (section, column), f"'{column}' is the target; it cannot be in {section}"
                )


def _metric_bounds(
    bounds: Mapping[Any, Any], task: Any, path: tuple[PathPart, ...]
) -> Iterator[RuleIssue]:
    known_task = task if isinstance(task, str) else None
    directions = {**CLASSIFICATION_METRICS, **REGRESSION_METRICS}
    for name, bound in bounds.items():
        problem = validation_metric_error(str(name), known_task)
        if problem:
            yield RuleIssue((*path, name), problem)
            continue
        bound = _map(bound)
        higher = directions[str(name)]
        if bound and bound.get("min" if higher else "max") is None:
            better = "higher" if higher else "lower"
            side = "min" if higher else "max"
            yield RuleIssue(
                (*path, name),
                f"{better} {name} is better, so it is usually bounded with {side}",
                "warning",
            )


def _metric_names(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    task = data.get("task")
    yield from _metric_bounds(
        _map(_get(data, "validation", "metrics")), task, ("validation", "metrics")
    )
    yield from _metric_bounds(
        _map(_get(data, "monitoring", "performance")), task, ("monitoring", "performance")
    )
    champion = _get(data, "validation", "champion", "metric")
    if isinstance(champion, str):
        problem = validation_metric_error(champion, task if isinstance(task, str) else None)
        if problem:
            yield RuleIssue(("validation", "champion", "metric"), problem)


def _fairness(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    fairness = _get(data, "validation", "fairness")
    if not isinstance(fairness, Mapping):
        return
    if data.get("task") == "regression":
        yield RuleIssue(("validation", "fairness"), "fairness metrics need a classification task")
    sensitive = _map(data.get("sensitive"))
    inline = _map(fairness.get("metrics"))
    metrics = {**inline, **{k: v for k, v in fairness.items() if k in FAIRNESS_METRICS}}
    for name, bound in metrics.items():
        by = _get(bound, "by")
        for index, attribute in enumerate(by if isinstance(by, list) else []):
            if isinstance(attribute, str) and attribute not in sensitive:
                where = ("metrics", name) if name in inline else (name,)
                yield RuleIssue(
                    ("validation", "fairness", *where, "by", index),
                    f"'{attribute}' is not declared in sensitive; fairness groups come from "
                    "sensitive attributes",
                )


def _outputs(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    if data.get("task") != "regression":
        return
    if _get(data, "outputs", "score") == "probability":
        yield RuleIssue(("outputs", "score"), "a regression model scores values; use score: value")
    if _get(data, "outputs", "label") is not None:
        yield RuleIssue(("outputs", "label"), "a regression model has no label threshold")
    if _get(data, "validation", "calibration") is not None:
        yield RuleIssue(
            ("validation", "calibration"), "calibration applies to classification probabilities"
        )


def _policies(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    policies = data.get("policies")
    for index, policy in enumerate(policies if isinstance(policies, list) else []):
        metric = _get(policy, "metric")
        if isinstance(metric, str):
            problem = is_known_metric(metric, data)
            if problem:
                yield RuleIssue(("policies", index, "metric"), problem)


def _risk(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    tier = _get(data, "risk", "tier")
    try:
        factors = RiskFactors.model_validate(_get(data, "risk", "factors") or {})
    except ValidationError:
        return
    suggested = factors.suggested_tier()
    if isinstance(tier, str) and tier in TIER_RANK and TIER_RANK[tier] < TIER_RANK[suggested]:
        yield RuleIssue(
            ("risk", "tier"),
            f"the risk factors suggest tier {suggested}, above the stated {tier}; raise the "
            "tier or correct the factors",
            "warning",
        )
    if tier == "high" and _get(data, "risk", "revalidate_every") is None:
        yield RuleIssue(
            ("risk", "revalidate_every"),
            "a high-risk model should set a revalidation cadence, like 365d",
            "warning",
        )


def _latency(data: Mapping[str, Any]) -> Iterator[RuleIssue]:
    gate = _get(data, "validation", "latency", "p99_ms")
    slo = _get(data, "delivery", "realtime", "latency_p99_ms")
    numbers = (int, float)
    if isinstance(gate, numbers) and isinstance(slo, numbers) and gate > slo:
        yield RuleIssue(
            ("validation", "latency", "p99_ms"),
            f"the gate accepts {gate:g} ms, slower than the real-time SLO of {slo:g} ms",
            "warning",
        )


RULES: tuple[Callable[[Mapping[str, Any]], Iterator[RuleIssue]], ...] = (
    _decision_timing,
    _target,
    _column_roles,
    _metric_names,
    _fairness,
    _outputs,
    _policies,
    _risk,
    _latency,
)


def check_rules(data: Mapping[str, Any]) -> list[RuleIssue]:
    """Every cross-section rule the charter mapping ``data`` breaks (errors and warnings)."""
    if not isinstance(data, Mapping):
        return []
    issues: list[RuleIssue] = []
    for rule in RULES:
        issues.extend(rule(data))
    return issues
