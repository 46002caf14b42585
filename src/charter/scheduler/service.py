"""One pass of ``charter run``: compaction, due batch slots, closed monitoring windows, policies.

For every model with a production version, a pass:

1. moves the prediction-log spool into the Parquet log (so monitoring sees every answer);
2. scores the latest due slot of the charter's ``delivery.batch`` schedule, if that slot was
   never done (the latest only: a scheduler that was down for a week scores once, not seven
   times, and the late run shows up as a missed deadline);
3. monitors each closed window after the last one done, oldest first, and evaluates the
   policies after each window, as the charter says; a retrain runs there;
4. where the charter sets ``monitoring.label_delay``, monitors each of those windows again once
   its labels are due (its end plus the delay), oldest first, so the realized performance and
   the policies on it see the labels that came in since. Drift, quality and the rest are
   recomputed from the same rows; the label-free extras (estimated performance, the domain
   classifier) are not run again: the labels change nothing there.

Every batch slot and monitoring window is claimed in the registry (``claim_job``) before it
runs and marked done after, so a restarted or second scheduler neither repeats a finished slot
nor skips one: windows are done strictly in order, and a slot whose holder died is taken over.
A failing job is reported, retried on a later pass (``MAX_ATTEMPTS`` in all), and never stops
the other models.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from charter.batch import score
from charter.contract import Charter
from charter.contract.cron import previous_fire
from charter.errors import CharterError, NotFoundError
from charter.monitoring import monitor
from charter.monitoring.checks import WindowCheck
from charter.monitoring.labels import compact_spool
from charter.monitoring.windows import split_windows
from charter.policies import RetrainOptions, evaluate_policies
from charter.predlog import default_log_dir
from charter.predlog.reader import first_logged_at
from charter.registry import Registry
from charter.scheduler.owner import current_owner, is_dead
from charter.store import VersionRecord
from charter.store.ports_scheduler import JobKind, JobSlot

__all__ = ["MAX_ATTEMPTS", "JobReport", "PassReport", "SchedulerOptions", "run_pass"]

MAX_ATTEMPTS = 3
_PassJob = Literal["compact", "monitor", "labels", "batch"]  # what a pass reports it ran
logger = logging.getLogger("charter.scheduler")


@dataclass(frozen=True)
class SchedulerOptions:
    """How a scheduler pass runs; the defaults suit one `charter run` on one machine."""

    home: Path
    owner: str = field(default_factory=current_owner)
    models: tuple[str, ...] = ()  # empty: every model with a production version
    engine: str = "local"
    dask_scheduler: str | None = None
    lease: timedelta = timedelta(hours=1)
    grace: timedelta = timedelta(seconds=5)  # answers spooled just before a window's end
    retraining: RetrainOptions | None = None
    checks: tuple[WindowCheck[Any], ...] | None = None  # None: monitoring's default checks
    since: datetime | None = None  # no window ending before it is monitored (a first run's floor)


@dataclass(frozen=True)
class JobReport:
    """What one job of a pass did."""

    model: str
    job: _PassJob
    slot: datetime | None
    status: Literal["done", "failed"]
    detail: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "job": self.job,
            "slot": None if self.slot is None else self.slot.isoformat(),
            "status": self.status,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class PassReport:
    """Every job one pass ran, in order."""

    started_at: datetime
    jobs: tuple[JobReport, ...]
    stopped: bool = False  # asked to stop before the pass was through

    @property
    def failed(self) -> tuple[JobReport, ...]:
        return tuple(job for job in self.jobs if job.status == "failed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "stopped": self.stopped,
            "jobs": [job.to_dict() for job in self.jobs],
        }


def run_pass(
    registry: Registry,
    options: SchedulerOptions,
    *,
    now: datetime | None = None,
    on_job: Callable[[JobReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> PassReport:
    """Run every due job once; see the module doc. ``now`` (aware) fixes the clock, for tests."""
    started = now or datetime.now(UTC)
    reports: list[JobReport] = []

    def note(report: JobReport) -> None:
        reports.append(report)
        logger.log(
            logging.ERROR if report.status == "failed" else logging.INFO,
            "%s %s %s: %s",
            report.model,
            report.job,
            "" if report.slot is None else report.slot.isoformat(),
            report.detail,
        )
        if on_job is not None:
            on_job(report)

    with _timed("*", "compact", None, note) as result:
        compact_spool(options.home)
        result["detail"] = "spool moved into the Parquet log"
    for name in _models(registry, options):
        if should_stop():
            return PassReport(started, tuple(reports), stopped=True)
        try:
            production = registry.get(f"{name}@production")
            charter = registry.charter_of(production)
        except CharterError as exc:
            note(JobReport(name, "monitor", None, "failed", exc.message, 0.0))
            continue
        _batch(registry, options, name, production, charter, now, note)
        for window_start, window_end in _due_windows(registry, options, name, charter, now):
            if should_stop():
                return PassReport(started, tuple(reports), stopped=True)
            if not _monitor_window(registry, options, name, window_start, window_end, now, note):
                break  # later windows wait: windows are done strictly in order
        delay = charter.monitoring.label_delay
        if delay is None:
            continue
        for window_start, window_end in _labelled_windows(registry, options, name, delay, now):
            if should_stop():
                return PassReport(started, tuple(reports), stopped=True)
            if not _monitor_window(
                registry, options, name, window_start, window_end, now, note, job="labels"
            ):
                break
    return PassReport(started, tuple(reports))


def _models(registry: Registry, options: SchedulerOptions) -> list[str]:
    if options.models:
        return list(options.models)
    serving = [m.name for m in registry.models() if "production" in m.aliases]
    return [name for name in serving if not registry.store.get_model(name).is_retired]


@contextmanager
def _timed(
    model: str,
    job: _PassJob,
    slot: datetime | None,
    note: Callable[[JobReport], None],
) -> Iterator[dict[str, Any]]:
    """Time a job and report it: ``done``, or ``failed`` with the reason when it raised.

    Nothing a job raises stops the scheduler: a bug in one model's job is logged with its
    traceback and reported, and the other models' jobs go on.
    """
    result: dict[str, Any] = {"status": "done", "detail": ""}
    started = time.perf_counter()
    try:
        yield result
    except CharterError as exc:
        result.update(status="failed", detail=exc.message)
    except Exception as exc:
        logger.exception("%s %s job crashed", model, job)
        result.update(status="failed", detail=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    note(JobReport(model, job, slot, result["status"], result["detail"], seconds))


def _claim(
    registry: Registry, options: SchedulerOptions, name: str, job: JobKind, slot: datetime
) -> JobSlot | None:
    """Claim a slot unless it is done, held by a live scheduler or out of attempts."""
    return registry.store.claim_job(
        name,
        job,
        slot,
        owner=options.owner,
        now=datetime.now(UTC),
        lease=options.lease,
        is_dead=is_dead,
        max_attempts=MAX_ATTEMPTS,
    )


def _batch(
    registry: Registry,
    options: SchedulerOptions,
    name: str,
    production: VersionRecord,
    charter: Charter,
    now: datetime | None,
    note: Callable[[JobReport], None],
) -> None:
    spec = charter.delivery.batch
    if spec is None or spec.source is None or spec.sink is None:
        return
    slot = previous_fire(spec.schedule, spec.timezone, now or datetime.now(UTC))
    if slot is None or _claim(registry, options, name, "batch", slot) is None:
        return
    with _timed(name, "batch", slot, note) as result:
        try:
            run = score(
                registry,
                f"{name}@production",
                home=options.home,
                run_id=f"scheduled-{slot:%Y%m%dT%H%MZ}",
                overwrite=True,
                engine=options.engine,
                scheduler=options.dask_scheduler,
                started_by=f"charter run ({options.owner})",
                clock=None if now is None else (lambda: now),
            )
        except Exception as exc:
            _finish(registry, options, name, "batch", slot, "failed", {"error": str(exc)})
            raise
        # A run that broke the reject limit did happen: monitoring reports it, no retry.
        _finish(registry, options, name, "batch", slot, "done", {"run": run.run_id})
        result.update(
            status="failed" if run.status == "failed" else "done",
            detail=f"{production.ref}: {run.rows_scored:,} rows scored, {run.rows_rejected:,} "
            f"rejected → {run.output_uri} ({run.status})",
        )


def _finish(
    registry: Registry,
    options: SchedulerOptions,
    name: str,
    job: JobKind,
    slot: datetime,
    status: Literal["done", "failed"],
    detail: dict[str, Any],
) -> None:
    registry.store.finish_job(
        name, job, slot, owner=options.owner, status=status, now=datetime.now(UTC), detail=detail
    )


def _due_windows(
    registry: Registry,
    options: SchedulerOptions,
    name: str,
    charter: Charter,
    now: datetime | None,
) -> Iterator[tuple[datetime, datetime]]:
    """Closed monitoring windows after the newest one done, oldest first."""
    length = charter.monitoring.window
    done = registry.store.last_done_job(name, "monitor")
    if done is not None:
        until = done.detail.get("until")
        start = datetime.fromisoformat(until) if until else done.slot + length
    else:
        first = first_logged_at(default_log_dir(options.home), name)
        if first is None:
            return
        start = first
    if options.since is not None:
        start = max(start, options.since)
    closed_by = (now or datetime.now(UTC)) - options.grace
    for window in split_windows(start, closed_by, length):
        if window.end <= closed_by:
            yield window.start, window.end


def _labelled_windows(
    registry: Registry,
    options: SchedulerOptions,
    name: str,
    delay: timedelta,
    now: datetime | None,
) -> Iterator[tuple[datetime, datetime]]:
    """Monitored windows whose labels are due (end + ``delay``) and not yet re-monitored, in
    order; stops at the first window not monitored yet (windows are done strictly in order)."""
    due_by = (now or datetime.now(UTC)) - options.grace - delay
    done = registry.store.last_done_job(name, "labels")
    since = None if done is None else done.slot + timedelta(microseconds=1)
    for slot in registry.store.list_jobs(name, "monitor", since=since):
        until = slot.detail.get("until")
        end = datetime.fromisoformat(until) if slot.status == "done" and until else None
        if end is None or end > due_by:
            return
        yield slot.slot, end


def _monitor_window(
    registry: Registry,
    options: SchedulerOptions,
    name: str,
    start: datetime,
    end: datetime,
    now: datetime | None,
    note: Callable[[JobReport], None],
    *,
    job: Literal["monitor", "labels"] = "monitor",
) -> bool:
    """Monitor one window and evaluate the policies; False when it could not be done.

    The ``labels`` job runs the built-in checks only (see the module doc).
    """
    if _claim(registry, options, name, job, start) is None:
        return False
    ok = False
    with _timed(name, job, start, note) as result:
        try:
            watched = monitor(
                registry,
                name,
                home=options.home,
                since=start,
                until=end,
                now=now,
                checks=options.checks if job == "monitor" else (),
                engine=options.engine,
                scheduler=options.dask_scheduler,
            )
            rows = sum(w.n_rows for w in watched.windows)
            labelled = sum(
                max((p.n_labelled for p in w.performance), default=0) for w in watched.windows
            )
            fired = _policies(registry, options, name, now)
        except Exception as exc:
            _finish(registry, options, name, job, start, "failed", {"error": str(exc)})
            raise
        detail = {
            "until": end.isoformat(),
            "rows": rows,
            "labelled": labelled,
            "status": watched.status,
            "fired": fired,
        }
        _finish(registry, options, name, job, start, "done", detail)
        ok = True
        actions = "; ".join(fired) if fired else "no policy fired"
        result["detail"] = (
            f"{rows:,} rows, {labelled:,} labelled, status {watched.status}; {actions}"
        )
    return ok


def _policies(
    registry: Registry, options: SchedulerOptions, name: str, now: datetime | None
) -> list[str]:
    """Evaluate the policies; one line per firing (policy, action, outcome)."""
    try:
        decisions = evaluate_policies(registry, name, now=now, retraining=options.retraining)
    except NotFoundError:
        return []  # production moved away (rolled back to nothing): nothing to judge
    fired = []
    for decision in decisions:
        if decision.outcome is not None:
            fired.append(
                f"{decision.key} → {decision.action} {decision.outcome.status}: "
                f"{decision.outcome.detail}"
            )
    return fired
