"""Write a commented ``charter.yaml`` that is valid as written and says what each section is for.

The file is written by hand rather than by ``yaml.dump`` so every section carries a comment with
its purpose and allowed values, and small sections stay on one line. The output always parses
back into a ``Charter`` (the tests check it), so ``charter init`` never starts a user in error.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from charter.contract.base import SLUG_PATTERN
from charter.contract.durations import format_duration
from charter.contract.inputs import FeatureSpec, IdentifierSpec, SensitiveSpec, TargetSpec
from charter.contract.risk import RiskFactors

__all__ = ["render_template", "slugify"]

_WIDTH = 100
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})
_DEFAULT_METRIC = {
    "binary_classification": ("roc_auc", 0.75, 0.7),
    "multiclass_classification": ("accuracy", 0.7, 0.65),
    "regression": ("r2", 0.5, 0.4),
}


def slugify(text: str) -> str:
    """A valid model name from any text: ``"Adult Income!"`` -> ``"adult-income"``."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")[:100]
    return slug if re.fullmatch(SLUG_PATTERN, slug) else "my-model"


def _scalar(value: Any) -> str:
    """One YAML scalar: plain when unambiguous, double-quoted (JSON escaping) otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(items: Mapping[str, Any]) -> str:
    """``{a: 1, b: [x, y]}`` for the non-default entries of a small section."""
    parts = []
    for key, value in items.items():
        if isinstance(value, list):
            value_text = "[" + ", ".join(_scalar(v) for v in value) + "]"
        else:
            value_text = _scalar(value)
        parts.append(f"{key}: {value_text}")
    return "{" + ", ".join(parts) + "}"


def _feature(spec: FeatureSpec) -> str:
    items: dict[str, Any] = {"type": spec.type}
    for key in ("min", "max"):
        if getattr(spec, key) is not None:
            items[key] = getattr(spec, key)
    if spec.nullable:
        items["nullable"] = True
    if spec.unseen != "reject":
        items["unseen"] = spec.unseen
    if spec.description:
        items["description"] = spec.description
    if spec.categories is not None:
        items["categories"] = list(spec.categories)
    return _flow(items)


def _pieces(text: str) -> list[str]:
    """Split flow text after each ``", "`` that is outside a quoted string."""
    pieces, start, quoted, escaped = [], 0, False, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted and text[index + 1 : index + 2] == " ":
            pieces.append(text[start : index + 1])
            start = index + 2
    pieces.append(text[start:])
    return pieces


def _wrap(head: str, text: str, indent: int) -> list[str]:
    """``head + text`` broken between flow items so no line runs past the width."""
    lines, current = [], head + " "
    for piece in _pieces(text):
        fresh = current.strip() == "" or current.endswith(": ")
        if not fresh and len(current) + len(piece) > _WIDTH:
            lines.append(current.rstrip())
            current = " " * indent
        current += piece + " "
    lines.append(current.rstrip())
    return lines


def _entries(names: Mapping[str, Any]) -> list[str]:
    pad = max((len(_scalar(n)) for n in names), default=0) + 1
    out: list[str] = []
    for name, text in names.items():
        out += _wrap(f"  {_scalar(name) + ':':<{pad}}", text, indent=4)
    return out


def _comment(*lines: str) -> list[str]:
    return ["", *(f"# {line}" for line in lines)]


def _columns(value: Iterable[str] | Mapping[str, Any] | None, make: type[Any]) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return {name: make() for name in value}


def _target_lines(target: TargetSpec, task: str, note: str | None) -> list[str]:
    out = ["target:", f"  column: {_scalar(target.column)}"]
    if note:
        out += textwrap.wrap(note, _WIDTH, initial_indent="  # ", subsequent_indent="  # ")
    if target.positive is not None:
        out.append(f"  positive: {_scalar(target.positive)}")
    elif task == "binary_classification":
        out.append('  positive: "1"   # EDIT: the target value the model scores')
    if target.classes:
        out.append("  classes: [" + ", ".join(_scalar(c) for c in target.classes) + "]")
    return out


def render_template(
    name: str,
    features: Mapping[str, FeatureSpec] | None = None,
    *,
    target: TargetSpec | str | None = None,
    task: str | None = None,
    sensitive: Iterable[str] | Mapping[str, SensitiveSpec] | None = None,
    identifiers: Iterable[str] | Mapping[str, IdentifierSpec] | None = None,
    target_note: str | None = None,
    source: str | None = None,
) -> str:
    """A commented ``charter.yaml`` for model ``name`` that parses into a valid ``Charter``.

    Values a person must decide (owner, purpose, decision, thresholds) are placeholders marked
    ``EDIT``; ``features`` come from ``infer_features`` or default to one placeholder input.
    """
    if not re.fullmatch(SLUG_PATTERN, name):
        raise ValueError(f"model name {name!r} is not a slug; try {slugify(name)!r}")
    task = task or "binary_classification"
    spec = TargetSpec(column=target) if isinstance(target, str) else target
    spec = spec or TargetSpec(
        column="label", positive="1" if task == "binary_classification" else None
    )
    inputs = dict(features or {"feature_1": FeatureSpec(type="number", description="EDIT")})
    groups = _columns(sensitive, SensitiveSpec)
    ids = _columns(identifiers, IdentifierSpec)
    factors = RiskFactors(sensitive_data=bool(groups))
    metric, gate_min, live_min = _DEFAULT_METRIC[task]
    classifier = task != "regression"

    out = [
        f"# Charter for {name}: the production contract of this model, versioned with its code.",
        f"# Drafted by `charter init`{f' from {source}' if source else ''}.",
        "# Replace every EDIT value, then run `charter check`.",
        "# `charter schema` prints the JSON Schema, so an editor can complete and check this file.",
        "charter: 1",
        f"model: {name}",
        "owner: EDIT-team@example.com        # who answers for this model in production",
        "purpose: >",
        "  EDIT: why this model exists and which business decision it supports.",
    ]
    out += _comment(
        "decision: the action the output drives and who consumes it. lead_time: how long the",
        "business needs to act; horizon: how far ahead a prediction holds (at least lead_time).",
        "Durations are written 14d, 12h, 30m, 2w or combined like 1d12h.",
    )
    out += [
        "decision:",
        "  action: EDIT the action taken on each prediction",
        "  consumers: []",
        "  lead_time: 7d",
        "  horizon: 30d",
    ]
    out += _comment(
        "risk: model-risk tier high | medium | low, which sets the minimum validation, approvals",
        "and revalidation cadence; factors: decision_impact low|medium|high, customer_facing,",
        "automated_decision, sensitive_data (true|false), complexity low|moderate|high.",
    )
    out += [
        "risk:",
        f"  tier: {factors.suggested_tier()}",
        *_wrap("  factors:", _flow(factors.model_dump()), indent=4),
        "  revalidate_every: 365d",
    ]
    out += _comment("task: binary_classification | multiclass_classification | regression")
    out += [f"task: {task}"]
    out += _comment("target: the predicted column; positive: the class a binary classifier scores.")
    out += _target_lines(spec, task, target_note)
    out += _comment(
        "features: every model input, in order. type: integer | number | category | boolean |",
        "string | datetime; min/max for numbers; categories for category; nullable: true|false;",
        "unseen (category values not listed): reject | map_to_other | allow.",
    )
    out += ["features:", *_entries({k: _feature(v) for k, v in inputs.items()})]
    out += _comment(
        "identifiers: columns that identify a person or a record; never model inputs.",
        "log: drop | hash (keyed hash in the prediction log) | keep.",
    )
    id_lines = {
        k: _flow({"log": v.log, **({"entity_key": True} if v.entity_key else {})})
        for k, v in ids.items()
    }
    out += ["identifiers:", *_entries(id_lines)] if ids else ["identifiers: {}"]
    out += _comment(
        "sensitive: protected attributes for fairness checks and monitoring; not model inputs",
        "unless allow_as_input: true. reference: the group the others are compared with.",
    )
    out += (
        [
            "sensitive:",
            *_entries({k: _flow(v.model_dump(exclude_defaults=True)) for k, v in groups.items()}),
        ]
        if groups
        else ["sensitive: {}"]
    )
    out += _comment(
        "outputs: score probability | value | label; label.threshold turns a probability into",
        "a label; reasons.top: reason codes returned with each prediction.",
    )
    out += ["outputs:", f"  score: {'probability' if classifier else 'value'}"]
    out += ["  label: {threshold: 0.5}"] if task == "binary_classification" else []
    out += ["  reasons: {top: 3}"]
    out += _comment(
        "delivery: realtime (latency_p99_ms, throughput_rps) and/or batch (5-field cron schedule,",
        "source, sink, deadline HH:MM, timezone, format parquet|csv|jsonl). Keep what applies.",
    )
    out += [
        "delivery:",
        "  realtime: {latency_p99_ms: 100}",
        '  # batch: {schedule: "0 5 * * MON", source: data/in/*.parquet,',
        '  #         sink: data/out/scores.parquet, deadline: "06:00"}',
    ]
    out += _comment(
        "validation: the gate a version must pass. metrics (each {min: ...} and/or {max: ...}):",
        "roc_auc, pr_auc, accuracy, precision, recall, f1, log_loss, brier (classification);",
        "rmse, mae, r2, mape (regression). Also: champion, fairness, robustness, calibration,",
        "explainability, latency.",
    )
    out += ["validation:", "  metrics:", f"    {metric}: {{min: {gate_min}}}     # EDIT"]
    if groups and classifier:
        by = ", ".join(_scalar(g) for g in groups)
        out += [
            "  fairness:",
            f"    demographic_parity_ratio: {{min: 0.8, by: [{by}]}}",
            "    min_group_size: 30",
        ]
    out += ["  robustness: {missing_values: must_answer}"]
    out += _comment(
        "approvals: roles that must sign off before production; four_eyes: approvers",
        "must differ from the person who registered the version.",
    )
    out += ["approvals:", "  required: [validation, business]", "  four_eyes: true"]
    out += _comment(
        "monitoring: window length, drift statistics (numeric psi|ks|wasserstein|jensen_shannon,",
        "categorical psi|chi2|jensen_shannon) with warn/alert levels, input quality limits,",
        "label_delay (how long ground truth takes; `charter run` re-monitors each window once it",
        "has passed) and live performance floors.",
    )
    out += [
        "monitoring:",
        "  window: 1d",
        "  reference: training_sample",
        "  drift: {numeric: psi, categorical: psi, warn: 0.1, alert: 0.25}",
        "  # label_delay: 30d",
        f"  performance: {{{metric}: {{min: {live_min}}}}}",
    ]
    out += _comment(
        "policies: metric (family.name[.agg|[feature]], e.g. drift.psi.max, quality.missing_rate",
        "[age], performance.roc_auc), above or below a value for_windows in a row -> action",
        "alert | retrain | rollback, then a cooldown.",
    )
    out += [
        "policies:",
        "  - {metric: drift.psi.max, above: 0.25, for_windows: 3, action: alert, cooldown: 7d}",
        f"  - {{metric: performance.{metric}, below: {live_min}, action: alert}}",
    ]
    out += _comment(
        "alerts: webhook URL for alerts; secret_env names the variable with its secret.",
        "alerts: {webhook: https://chat.example/hooks/models, secret_env: HOOK_SECRET}",
    )
    out += _comment(
        "retraining: the training entry point module:function (called with the training data,",
        "returns a fitted model), its data, and auto_promote none | shadow | production.",
        'retraining: {entrypoint: "training:train_model", data: data/training/*.parquet}',
    )
    return "\n".join(out) + "\n"
