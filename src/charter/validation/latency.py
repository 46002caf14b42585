"""Latency and memory: the version timed in a fresh process, judged against the charter's SLO.

The probe (``latency_probe``) runs as ``python -m charter.validation.latency_probe`` with the
registry's database and artifact locations in its environment, so it loads the artifact exactly
as a new server would. The limit is ``validation.latency.p99_ms``, else the real-time delivery
SLO ``delivery.realtime.latency_p99_ms``; without either the probe does not run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.config import Settings
from charter.registry import Registry
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, Verdict

__all__ = [
    "BATCHES",
    "PROBE_TIMEOUT_S",
    "SINGLE_CALLS",
    "LatencyMeasurement",
    "check_latency",
    "judge_latency",
    "latency_limit_ms",
    "run_probe",
]

SINGLE_CALLS = 200
BATCHES = 30
BATCH_ROWS = 100
PROBE_TIMEOUT_S = 180.0
NAME = "latency.p99_single_row"


@dataclass(frozen=True)
class LatencyMeasurement:
    """What the probe measured, as it printed it."""

    single_p50_ms: float
    single_p99_ms: float
    batch_p50_ms: float
    batch_p99_ms: float
    peak_rss_mib: float
    load_s: float
    raw: dict[str, Any]

    @classmethod
    def from_probe(cls, raw: dict[str, Any]) -> LatencyMeasurement:
        return cls(
            single_p50_ms=float(raw["single_row"]["p50_ms"]),
            single_p99_ms=float(raw["single_row"]["p99_ms"]),
            batch_p50_ms=float(raw["batch"]["p50_ms"]),
            batch_p99_ms=float(raw["batch"]["p99_ms"]),
            peak_rss_mib=float(raw["peak_rss_mib"]),
            load_s=float(raw["load_s"]),
            raw=raw,
        )


def latency_limit_ms(context: GateContext) -> tuple[float | None, str]:
    """The p99 limit and where it comes from."""
    if context.charter.validation.latency is not None:
        return context.charter.validation.latency.p99_ms, "validation.latency.p99_ms"
    realtime = context.charter.delivery.realtime
    if realtime is not None:
        return realtime.latency_p99_ms, "delivery.realtime.latency_p99_ms"
    return None, ""


def judge_latency(measured: LatencyMeasurement, limit_ms: float, source: str) -> CheckResult:
    """Pass when the single-row p99 is within the limit."""
    details = {
        "source": source,
        "single_row_p50_ms": measured.single_p50_ms,
        "single_row_p99_ms": measured.single_p99_ms,
        "batch_100_p50_ms": measured.batch_p50_ms,
        "batch_100_p99_ms": measured.batch_p99_ms,
        "peak_rss_mib": measured.peak_rss_mib,
        "load_s": measured.load_s,
    }
    threshold = f"<= {limit_ms:g} ms ({source})"
    text = (
        f"single-row p99 {measured.single_p99_ms:.2f} ms (p50 {measured.single_p50_ms:.2f}); "
        f"batch of 100 p99 {measured.batch_p99_ms:.1f} ms; peak memory "
        f"{measured.peak_rss_mib:.0f} MiB"
    )
    verdict: Verdict = "pass" if measured.single_p99_ms <= limit_ms else "fail"
    reason = text if verdict == "pass" else f"{text}: over the {limit_ms:g} ms limit"
    return CheckResult(NAME, "latency", verdict, measured.single_p99_ms, threshold, reason, details)


def _probe_env(registry: Registry, settings: Settings | None) -> dict[str, str] | None:
    """The environment that points a fresh process at the same registry, or None."""
    if settings is not None:
        db_url, artifacts = settings.db_url.reveal(), settings.artifacts_url
    else:
        engine = getattr(registry.store, "engine", None)
        root = getattr(registry.artifacts, "root_uri", None)
        if engine is None or root is None:
            return None
        db_url, artifacts = engine.url.render_as_string(hide_password=False), str(root)
    env = dict(os.environ)
    env.update({"CHARTER_DB_URL": db_url, "CHARTER_ARTIFACTS": artifacts})
    # Measure the model the way a serving worker runs it: one thread per worker. Thread pools
    # sized to every core make one-row calls wait on each other under load (p99 40x here).
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    return env


def run_probe(
    registry: Registry,
    context: GateContext,
    *,
    settings: Settings | None = None,
    single: int = SINGLE_CALLS,
    batches: int = BATCHES,
) -> LatencyMeasurement:
    """Run the probe in a fresh interpreter; ``RuntimeError`` says why it produced nothing."""
    env = _probe_env(registry, settings)
    if env is None:
        raise RuntimeError("cannot tell a fresh process where the registry is; pass settings=")
    columns = [c for c in context.input_names if c in context.holdout.columns]
    rows = context.holdout[columns].head(BATCH_ROWS)
    with tempfile.TemporaryDirectory(prefix="charter-latency-") as folder:
        path = Path(folder) / "rows.parquet"
        rows.to_parquet(path, index=False)
        command = [
            sys.executable, "-m", "charter.validation.latency_probe",
            "--ref", context.version.ref, "--rows", str(path),
            "--single", str(single), "--batches", str(batches),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"the probe took longer than {PROBE_TIMEOUT_S:g} s") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"the probe exited with {done.returncode}")
    try:
        return LatencyMeasurement.from_probe(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, KeyError, IndexError) as exc:
        raise RuntimeError("the probe printed no measurement") from exc


def check_latency(
    registry: Registry, context: GateContext, *, settings: Settings | None = None
) -> CheckResult:
    """Time the version in a fresh process and judge its single-row p99."""
    limit, source = latency_limit_ms(context)
    if limit is None:
        return CheckResult(NAME, "latency", "skipped", reason="the charter sets no latency SLO")
    try:
        measured = run_probe(registry, context, settings=settings)
    except RuntimeError as exc:
        return CheckResult(
            NAME, "latency", "fail", None, f"<= {limit:g} ms", f"latency not measured: {exc}"
        )
    return judge_latency(measured, limit, source)
