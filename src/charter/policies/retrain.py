"""The retrain action: train a new version on fresh data, gate it, put it where the charter allows.

1. Training data: the charter's ``retraining.data`` (default: the production version's
   registered sample) plus the labelled part of the prediction log of the last
   ``retraining.log_window``: logged inputs joined to their ingested labels on the request id.
2. Holdout: ``retraining.holdout``; else a seeded ``holdout_share`` of the labelled log rows,
   kept out of training, when that is at least the holdout the gate needs (charter and risk
   tier), so the champion and the new version are judged on today's population, on rows
   neither saw; else that share of all the training data.
3. Train with the charter's entry point (``module:function``, called with one DataFrame),
   register the result under the production version's charter, and run the full gate.
4. A passing version goes to shadow (``auto_promote: shadow``), or to production when the charter
   says ``production`` and the approval rules are already met; otherwise it waits, and the
   approvers are told through the charter's alert webhook.

Every failure (no data, a training error, a failed gate, a refused promotion) is a ``failed``
outcome saying which step broke; production is never touched by a retrain.
"""

from __future__ import annotations

import glob
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from charter.config import Settings
from charter.contract import Charter, RetrainingSpec
from charter.contract.entrypoint import load_entrypoint
from charter.contract.tiers import requirements_of
from charter.data.io import read_table
from charter.errors import CharterError, DataError
from charter.governance import GovernanceService
from charter.policies.alerts import AlertSender
from charter.policies.decision import ActionOutcome, PolicyDecision
from charter.predlog import default_log_dir
from charter.predlog.reader import expand_log, read_log
from charter.registry import Registry
from charter.store import VersionRecord
from charter.validation import validate

__all__ = ["RetrainOptions", "labelled_log_rows", "retrain"]

logger = logging.getLogger("charter.policies")
_HOLDOUT_SEED = 0


@dataclass(frozen=True)
class RetrainOptions:
    """Where a retrain finds the prediction log and relative data paths, and how to gate."""

    home: Path
    base_dir: Path = field(default_factory=Path.cwd)
    settings: Settings | None = None
    skip: tuple[str, ...] = ()  # gate check families to leave out, as `charter validate --skip`


def retrain(
    registry: Registry,
    decision: PolicyDecision,
    options: RetrainOptions,
    *,
    governance: GovernanceService,
    sender: AlertSender,
    now: datetime,
    actor: str,
) -> ActionOutcome:
    """Run the retrain steps of the module doc; a failure is an outcome, never an exception."""
    step = "reading the production version"
    charter: Charter | None = None
    try:
        production = registry.get(f"{decision.model}@production")
        charter_text = registry.store.get_charter(decision.model, production.charter_hash).content
        charter = registry.charter_of(production)
        spec = charter.retraining
        if spec is None:
            return _failed("the charter has no retraining section (entrypoint, data)")
        step = "loading the training data"
        train, holdout, from_log = _datasets(registry, production, charter, spec, options, now)
        step = f"training with {spec.entrypoint}"
        fit = load_entrypoint(spec.entrypoint, options.base_dir)
        try:
            model = fit(train)
        except Exception as exc:  # the user's training code may raise anything
            return _failed(f"{step} failed: {type(exc).__name__}: {exc}", sender, charter, decision)
        step = "registering the retrained model"
        version = registry.register(
            model,
            charter=charter_text,
            sample=train,
            name=decision.model,
            registered_by=actor,
            training_data=train,
            description=(
                f"retrained by policy {decision.key} on {len(train):,} rows "
                f"({from_log:,} labelled from the prediction log)"
            ),
        )
        step = f"running the gate on {version.ref}"
        report = validate(
            registry,
            version.ref,
            holdout,
            run_by=actor,
            settings=options.settings,
            skip=options.skip,
        )
        if not report.passed:
            reasons = "; ".join(f"{c.name}: {c.reason}" for c in report.failures) or report.status
            return _failed(
                f"{version.ref} failed the gate, so it stays a candidate: {reasons}",
                sender,
                charter,
                decision,
                version=version.version,
            )
        step = f"promoting {version.ref}"
        return _place(version, spec, governance, sender, charter, decision, actor)
    except CharterError as exc:
        return _failed(f"{step} failed: {exc.message}", sender, charter, decision)


def _place(
    version: VersionRecord,
    spec: RetrainingSpec,
    governance: GovernanceService,
    sender: AlertSender,
    charter: Charter,
    decision: PolicyDecision,
    actor: str,
) -> ActionOutcome:
    """Promote a version that passed the gate as far as the charter allows; tell approvers."""
    reason = f"retrained by policy {decision.key}; passed the gate"
    missing = governance.readiness(version.ref).missing
    if spec.auto_promote == "production" and not missing:
        governance.promote(version.ref, to="production", by=actor, reason=reason)
        return ActionOutcome(
            "retrain", "done", f"{version.ref} passed the gate and is in production",
            version=version.version,
        )  # fmt: skip
    where = "is a candidate"
    if spec.auto_promote in ("shadow", "production"):
        governance.promote(version.ref, to="shadow", by=actor, reason=reason)
        where = "is in shadow"
    waiting = "; ".join(missing) or "a promotion to production"
    detail = f"{version.ref} passed the gate and {where}; production awaits: {waiting}"
    _tell(sender, charter, decision, detail, version.version)
    return ActionOutcome("retrain", "done", detail, version=version.version)


def _failed(
    detail: str,
    sender: AlertSender | None = None,
    charter: Charter | None = None,
    decision: PolicyDecision | None = None,
    *,
    version: int | None = None,
) -> ActionOutcome:
    logger.error("policy retrain failed: %s", detail)
    if sender is not None and charter is not None and decision is not None:
        _tell(sender, charter, decision, f"retrain failed: {detail}", version)
    return ActionOutcome("retrain", "failed", detail, version=version)


def _tell(
    sender: AlertSender,
    charter: Charter,
    decision: PolicyDecision,
    detail: str,
    version: int | None,
) -> None:
    """Tell the approvers (the charter's alert webhook) what the retrain did."""
    body: dict[str, Any] = {
        "text": f"Charter retrain of {decision.model} (policy {decision.key}): {detail}",
        "event": "policy.retrain",
        "model": decision.model,
        "policy": decision.key,
        "version": version,
        "approvers": list(charter.approvals.required),
        **decision.evidence(),
    }
    sender.send(charter.alerts, body)


def _datasets(
    registry: Registry,
    production: VersionRecord,
    charter: Charter,
    spec: RetrainingSpec,
    options: RetrainOptions,
    now: datetime,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(training rows, holdout rows, how many training rows came from the log)."""
    target = charter.target.column
    base = (
        _read_glob(spec.data, options.base_dir)
        if spec.data is not None
        else registry.load_sample(production)
    )
    if target not in base.columns:
        where = spec.data or f"the registered sample of {production.ref}"
        raise DataError(f"the training data ({where}) has no target column {target!r}")
    logged = labelled_log_rows(
        registry, charter, options.home, since=now - spec.log_window, until=now
    )
    logged = logged[[c for c in base.columns if c in logged.columns]].copy()
    if len(logged):
        logged[target] = _like(logged[target], base[target])
    base, logged = _labelled(base, target), _labelled(logged, target)
    if spec.holdout is not None:
        return _stack(base, logged), _read_glob(spec.holdout, options.base_dir), len(logged)
    # Hold out recent labelled traffic when there is enough: both the champion and the new
    # version are then judged on today's population, on rows neither was trained on.
    fresh = round(len(logged) * spec.holdout_share) >= requirements_of(charter).min_holdout_rows
    pool = logged if fresh else _stack(base, logged)
    order = np.random.default_rng(_HOLDOUT_SEED).permutation(len(pool))
    cut = round(len(pool) * spec.holdout_share)
    held, kept = np.sort(order[:cut]), np.sort(order[cut:])
    holdout = pool.iloc[held].reset_index(drop=True)
    if fresh:
        return _stack(base, logged.iloc[kept]), holdout, len(kept)
    return pool.iloc[kept].reset_index(drop=True), holdout, int((kept >= len(base)).sum())


def _stack(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """``first`` then ``second``, renumbered; an empty ``second`` adds nothing (and no dtypes)."""
    if not len(second):
        return first
    return pd.concat([first, second], ignore_index=True)


def _labelled(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    if target not in frame.columns:  # an empty log has no columns to speak of
        return frame
    return frame.dropna(subset=[target]).reset_index(drop=True)


def labelled_log_rows(
    registry: Registry, charter: Charter, home: Path, *, since: datetime, until: datetime
) -> pd.DataFrame:
    """Logged predictions in ``[since, until)`` that have a label, as inputs plus the target."""
    target = charter.target.column
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return pd.DataFrame(columns=[target])
    table = read_log(log_dir, charter.model, since=since, until=until)
    if table.num_rows == 0:
        return pd.DataFrame(columns=[target])
    frame = expand_log(table)
    # Shadow answers repeat a served request under another version: count each request once.
    frame = frame[frame["source"].isin(("served", "canary", "batch"))]
    ids = frame["request_id"].astype(str)
    stored = registry.store.labels_for(charter.model, ids)
    labels = pd.Series([stored[i].label if i in stored else None for i in ids], index=frame.index)
    frame = frame.assign(**{target: labels})
    return frame[labels.notna()].reset_index(drop=True)


def _like(labels: pd.Series, example: pd.Series) -> pd.Series:
    """Stored labels (text) in the training target's type, so the two concatenate cleanly."""
    if pd.api.types.is_bool_dtype(example):
        return labels.astype(str).isin(("1", "True", "true"))
    if pd.api.types.is_numeric_dtype(example):
        return pd.to_numeric(labels, errors="coerce")
    return labels.astype(str)


def _read_glob(pattern: str, base_dir: Path) -> pd.DataFrame:
    """Every file ``pattern`` matches (relative to ``base_dir``), stacked."""
    rooted = pattern if Path(pattern).is_absolute() else str(base_dir / pattern)
    paths = sorted(glob.glob(rooted)) or [rooted]
    return pd.concat([read_table(path) for path in paths], ignore_index=True)
