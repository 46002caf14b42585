"""``validate``: run every check the charter's gate asks for and record the verdict.

Order matters for honesty: everything that can reveal bad input (an unknown version, an
unreadable or empty file, missing columns, labels outside the charter's classes) happens before
the first check, so bad input raises a ``CharterError`` and nothing is written. Once the checks
run, a failure is a verdict, never an exception; the report is stored against the version and the
hash of the charter it was judged by.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from charter.config import Settings, current_user
from charter.contract import Charter, charter_hash, load_charter
from charter.data import fingerprint_frame, read_table
from charter.errors import CharterError, DataError
from charter.models.base import describe_error
from charter.registry import Registry, VersionRef
from charter.store import NewValidationRun, VersionRecord
from charter.validation.calibration import check_calibration
from charter.validation.champion import check_champion
from charter.validation.context import GateContext, build_context
from charter.validation.datachecks import check_data
from charter.validation.explainability import check_explainability
from charter.validation.fairness import check_fairness
from charter.validation.latency import check_latency
from charter.validation.performance import all_metrics, check_performance, performance_curves
from charter.validation.report import CATEGORIES, CheckResult, GateReport
from charter.validation.risk_checks import check_risk_tier
from charter.validation.robustness import check_robustness

__all__ = ["validate"]

_NEEDS_SCORES = (
    "performance",
    "champion",
    "fairness",
    "robustness",
    "calibration",
    "explainability",
)


def _charter_for(
    registry: Registry, version: VersionRecord, charter: Charter | str | Path | None
) -> Charter:
    if charter is None:
        return registry.charter_of(version)
    if isinstance(charter, Charter):
        return charter
    return load_charter(Path(charter))


def _holdout(data: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise DataError("the holdout has no rows")
        return data
    return read_table(data)


def _check_skip(skip: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(skip)
    unknown = sorted(chosen - set(CATEGORIES))
    if unknown:
        raise DataError(
            f"cannot skip {', '.join(unknown)}: the gate's checks are {', '.join(CATEGORIES)}"
        )
    return chosen


def _score(context: GateContext) -> CheckResult | None:
    """Score the holdout once; a model that cannot is a failed check, not an exception."""
    try:
        scores = context.predict(context.inputs)
    except Exception as exc:  # the model's own error is the finding
        cause = exc.__cause__ if isinstance(exc, CharterError) and exc.__cause__ else exc
        context.scoring_error = describe_error(cause)
    else:
        if scores.shape != (len(context.inputs),) or not np.isfinite(scores).all():
            context.scoring_error = "the model returned missing or infinite scores"
        else:
            context.scores = scores
            return None
    return CheckResult(
        "model.scores",
        "performance",
        "fail",
        reason=f"the model could not score the holdout: {context.scoring_error}",
    )


def validate(
    registry: Registry,
    ref: str | VersionRef | VersionRecord,
    data: pd.DataFrame | str | Path,
    *,
    charter: Charter | str | Path | None = None,
    run_by: str | None = None,
    store_result: bool = True,
    skip: Iterable[str] = (),
    settings: Settings | None = None,
    seed: int = 0,
    use_shap: bool = True,
) -> GateReport:
    """Run the validation gate on a labelled holdout and (by default) record the result.

    Parameters
    ----------
    registry
        The registry holding the version (and the production champion, if any).
    ref
        ``name@3`` (or an alias such as ``name@latest``), a ``VersionRef`` or a record.
    data
        The labelled holdout: a DataFrame or a CSV/Parquet/JSON Lines file.
    charter
        Judge by this charter instead of the one the version was registered under (a newer
        charter, for revalidation); the run is recorded against its hash.
    run_by
        Who runs the gate (default: ``CHARTER_USER``, git, the login).
    store_result
        Record the run in the registry (``record_validation_run``).
    skip
        Check families to leave out (``"latency"``, ...); each is reported as skipped.
    settings
        Where the registry lives, for the latency probe's fresh process (default: read from
        the registry's own store).
    seed
        Seeds every resample and perturbation: the same inputs give the same report.
    use_shap
        Use SHAP's TreeExplainer for tree models' reason codes when it is installed.

    Returns
    -------
    GateReport
        ``status`` is ``fail`` when any check failed, ``warn`` when any warned, else ``pass``.
        The charter's risk tier adds two checks (``risk_checks``): its mandatory check families
        ran (a skipped one fails) and the holdout has the tier's minimum rows.

    Raises
    ------
    CharterError
        Bad input (``NotFoundError``, ``DataError``, ``ContractError``): nothing is recorded.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    skipped = _check_skip(skip)
    version = ref if isinstance(ref, VersionRecord) else registry.get(ref)
    spec = _charter_for(registry, version, charter)
    holdout = _holdout(data)
    model = registry.load(version)
    context = build_context(spec, version, model, holdout, seed=seed)
    fingerprint = fingerprint_frame(holdout)

    checks: list[CheckResult] = []
    plots: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def run(category: str, action: Callable[[], None]) -> None:
        if category in skipped:
            checks.append(CheckResult(category, category, "skipped", reason="skipped on request"))
            return
        if category in _NEEDS_SCORES and context.scores is None:
            checks.append(
                CheckResult(
                    category, category, "skipped", reason="the model could not score the holdout"
                )
            )
            return
        begin = time.perf_counter()
        action()
        timings[category] = time.perf_counter() - begin

    begin = time.perf_counter()
    failed_scoring = _score(context)
    timings["scoring"] = time.perf_counter() - begin
    if failed_scoring is not None:
        checks.append(failed_scoring)
    scores = context.scores if context.scores is not None else np.zeros(0)

    def performance() -> None:
        checks.extend(check_performance(context, scores))
        plots["metrics"] = all_metrics(context, scores)
        plots["curves"] = performance_curves(context, scores)

    def fairness() -> None:
        found, groups = check_fairness(context, scores)
        checks.extend(found)
        plots["fairness"] = groups

    def calibration() -> None:
        check, curve = check_calibration(context, scores)
        checks.append(check)
        plots["calibration"] = curve

    def explainability() -> None:
        check, found = check_explainability(context, scores, use_shap=use_shap)
        checks.append(check)
        plots.update(found)

    run("data", lambda: checks.extend(check_data(context)))
    run("performance", performance)
    run("champion", lambda: checks.append(check_champion(registry, context, scores)))
    run("fairness", fairness)
    run("robustness", lambda: checks.extend(check_robustness(context, scores)))
    run("calibration", calibration)
    run("explainability", explainability)
    run("latency", lambda: checks.append(check_latency(registry, context, settings=settings)))
    checks.extend(check_risk_tier(spec, checks, len(holdout)))

    positives = float(np.mean(context.y_true)) if context.is_classification else None
    report = GateReport(
        model_name=version.model_name,
        version=version.version,
        charter_hash=charter_hash(spec),
        checks=tuple(checks),
        data={
            "rows": len(holdout),
            "fingerprint": fingerprint,
            "positive_rate": positives,
            "target": spec.target.column,
            "threshold": context.threshold,
            "task": spec.task,
            "charter_model": spec.model,
        },
        plots=plots,
        timings_s=timings,
        started_at=started_at,
        duration_s=time.perf_counter() - started,
        run_by=current_user(run_by, settings),
    )
    if not store_result:
        return report
    record = registry.store.record_validation_run(
        NewValidationRun(
            model_name=report.model_name,
            version=report.version,
            charter_hash=report.charter_hash,
            status=report.status,
            report=report.to_dict(),
            data_fingerprint=fingerprint,
            run_by=report.run_by,
        )
    )
    return dataclasses.replace(report, run_id=record.id)
