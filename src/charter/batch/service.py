"""``score``: a registered version over a source into a sink, recorded, logged and on time.

The run, in order: resolve the version and its charter; resolve the input (it must exist, have rows
and carry the charter's required features) and the output (refused if it exists, unless
``overwrite`` or it was written by the same run id); record the run as started; stream every
partition through the charter check and the model into a work area; decide (a reject share over
``delivery.batch.max_reject_share`` fails the run, and then only the reject file is published);
publish atomically; hand the sampled predictions to the prediction log; record the outcome and
whether the charter's deadline was met. Any error aborts the work area and records the run as
failed before it propagates, so nothing partial is ever left under a final name.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from charter.batch.distributed import run_distributed
from charter.batch.files import OutputFormat
from charter.batch.partition import (
    reason_keys,
)
from charter.batch.prediction_log import StagedLog
from charter.batch.result import BatchRunResult, deadline_for
from charter.batch.scorer import ScoringPlan, score_batch
from charter.batch.setup import build_plan, output_schemas, resolve_id_column
from charter.batch.sinks import FileSink, Sink, open_sink
from charter.batch.sources import Partition, Source, open_source, read_partition
from charter.batch.tally import Progress, Tally, over_limit, report
from charter.config import Settings, current_user
from charter.engines import Engine, open_engine
from charter.errors import DataError, ModelRetiredError, NotFoundError
from charter.predlog import default_spool_dir
from charter.registry import Registry
from charter.store.ports_batch import FinishedBatchRun, NewBatchRun

__all__ = ["DEFAULT_BATCH_ROWS", "new_run_id", "score"]

DEFAULT_BATCH_ROWS = 50_000
REASONS_BATCH_ROWS = 1_000
"""With reason codes a row costs hundreds of model rows: smaller batches keep progress moving."""
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def new_run_id(now: datetime) -> str:
    """``20261129T050000Z-1a2b3c``: sortable by start time, unique without coordination."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def score(
    registry: Registry,
    ref: str,
    *,
    source: str | None = None,
    sink: str | None = None,
    engine: str | Engine = "local",
    scheduler: object | None = None,
    id_column: str | None = None,
    run_id: str | None = None,
    overwrite: bool = False,
    reasons: bool | None = None,
    log_predictions: bool = True,
    home: str | Path | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
    started_by: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BatchRunResult:
    """Score ``source`` with the version ``ref`` names into ``sink``; see the module docstring.

    ``source`` and ``sink`` default to the charter's ``delivery.batch``; ``reasons`` to whether
    the charter asks for reason codes; ``home`` (for the prediction-log spool and its hash key) to
    ``CHARTER_HOME``. Raises a ``CharterError`` for bad input before or during the run; a run
    that breaks the charter's reject limit is returned with ``status == "failed"``.
    """
    now = clock or (lambda: datetime.now(UTC))
    if batch_rows < 1:
        raise DataError(f"The 'batch_rows' parameter must be at least 1. Got {batch_rows}.")
    version = registry.get(ref)
    model = registry.store.get_model(version.model_name)
    if model.is_retired:
        raise ModelRetiredError(
            f"model {model.name!r} was retired ({model.retire_reason}) and cannot score batches"
            + (f"; use its successor {model.successor!r}" if model.successor else "")
        )
    charter = registry.charter_of(version)
    spec = charter.delivery.batch
    source_uri = source or (spec.source if spec is not None else None) or ""
    sink_uri = sink or (spec.sink if spec is not None else None) or ""
    default_format: OutputFormat = spec.format if spec is not None else "parquet"
    owned = isinstance(engine, str)
    runner = open_engine(engine, scheduler=scheduler) if isinstance(engine, str) else engine
    try:
        src = open_source(source_uri, split_row_groups=runner.is_distributed)
        chosen_id = resolve_id_column(charter, src.columns, id_column)
        out = open_sink(sink_uri, default_format=default_format)
        if runner.is_distributed and not isinstance(out, FileSink):
            raise DataError(
                "the dask engine writes one file per partition: give a file or folder output "
                "(or use --engine local for a database table)"
            )
        rid = run_id or new_run_id(now())
        if not _RUN_ID.match(rid):
            raise DataError(
                f"a run id must be 1 to 128 letters, digits, '.', '_' or '-' (starting with a "
                f"letter or digit); got {rid!r}"
            )
        out.preflight(
            overwrite=overwrite, same_run=_same_run(registry, version.model_name, rid, out)
        )
        settings = Settings.from_env(home=home)
        plan = build_plan(
            registry,
            version,
            charter,
            run_id=rid,
            id_column=chosen_id,
            reasons=reasons,
            log_predictions=log_predictions,
            home=settings.home,
        )
        return _run(
            registry,
            plan,
            src,
            out,
            runner,
            overwrite=overwrite,
            batch_rows=batch_rows,
            progress=progress,
            now=now,
            started_by=current_user(started_by),
            spool_dir=default_spool_dir(settings.home),
        )
    finally:
        if owned:
            runner.close()


def _same_run(registry: Registry, model: str, run_id: str, out: Sink) -> bool:
    try:
        previous = registry.store.get_batch_run(model, run_id)
    except NotFoundError:
        return False
    return previous.output_uri == out.uri


def _run(
    registry: Registry,
    plan: ScoringPlan,
    src: Source,
    out: Sink,
    runner: Engine,
    *,
    overwrite: bool,
    batch_rows: int,
    progress: Progress | None,
    now: Callable[[], datetime],
    started_by: str,
    spool_dir: Path,
) -> BatchRunResult:
    spec = plan.charter.delivery.batch
    limit = spec.max_reject_share if spec is not None else 0.01
    started = now()
    deadline = deadline_for(spec, started)
    store = registry.store
    store.start_batch_run(
        NewBatchRun(
            model_name=plan.model_name,
            version=plan.version,
            run_id=plan.run_id,
            started_at=started,
            started_by=started_by,
            engine=runner.name,
            input_uri=src.uri,
            output_uri=out.uri,
            reject_uri=out.reject_uri,
            deadline_at=deadline,
        )
    )
    tally = Tally()
    manifest_uri: str | None = None
    if plan.reasons_top > 0:  # explaining costs ~features x background model rows per row
        batch_rows = min(batch_rows, REASONS_BATCH_ROWS)
    report(progress, tally, src)
    try:
        if runner.is_distributed:
            assert isinstance(out, FileSink)
            publish, manifest_uri = run_distributed(
                plan, src, out, runner, tally, batch_rows, progress, limit, spool_dir
            )
        else:
            publish = _run_in_process(
                plan,
                src,
                out,
                runner,
                tally,
                batch_rows,
                progress,
                limit,
                overwrite,
                spool_dir,
            )
        if tally.rows_in == 0:
            raise DataError(f"input has no rows: {src.uri}")
    except BaseException as exc:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        _finish(registry, plan, tally, "failed", now(), deadline, str(message))
        raise
    error = "" if publish else _limit_message(tally, limit)
    finished = now()
    status: Literal["succeeded", "failed"] = "succeeded" if publish else "failed"
    record = _finish(registry, plan, tally, status, finished, deadline, error)
    return BatchRunResult(
        run_id=plan.run_id,
        model=plan.model_name,
        version=plan.version,
        status=status,
        engine=runner.name,
        input_uri=src.uri,
        output_uri=out.uri,
        reject_uri=out.reject_uri,
        rows_in=tally.rows_in,
        rows_scored=tally.rows_scored if publish else 0,
        rows_rejected=tally.rows_rejected,
        max_reject_share=limit,
        started_at=started,
        finished_at=finished,
        deadline_at=deadline,
        met_deadline=record.met_deadline,
        rows_logged=tally.rows_logged,
        manifest_uri=manifest_uri,
        error=error,
        top_reject_reasons=tuple(tally.reasons.most_common(5)),
    )


def _limit_message(tally: Tally, limit: float) -> str:
    share = tally.rows_rejected / tally.rows_in if tally.rows_in else 0.0
    return (
        f"{tally.rows_rejected} of {tally.rows_in} rows ({share:.2%}) failed the charter's input "
        f"checks; delivery.batch.max_reject_share allows {limit:.2%}"
    )


def _finish(
    registry: Registry,
    plan: ScoringPlan,
    tally: Tally,
    status: str,
    finished: datetime,
    deadline: datetime | None,
    error: str,
) -> FinishedBatchRun:
    met = None if deadline is None else (status == "succeeded" and finished <= deadline)
    outcome = FinishedBatchRun(
        status="succeeded" if status == "succeeded" else "failed",
        finished_at=finished,
        rows_in=tally.rows_in,
        rows_scored=tally.rows_scored if status == "succeeded" else 0,
        rows_rejected=tally.rows_rejected,
        met_deadline=met,
        error=error,
    )
    registry.store.finish_batch_run(plan.model_name, plan.run_id, outcome)
    return outcome


def _run_in_process(
    plan: ScoringPlan,
    src: Source,
    out: Sink,
    runner: Engine,
    tally: Tally,
    batch_rows: int,
    progress: Progress | None,
    limit: float,
    overwrite: bool,
    spool_dir: Path,
) -> bool:
    scores_schema, rejects_schema = output_schemas(plan)
    writer = out.open(
        plan.run_id, overwrite=overwrite, scores=scores_schema, rejects=rejects_schema
    )
    log = StagedLog(spool_dir, f"{plan.model_name}.{plan.run_id}")
    try:

        def one(partition: Partition) -> None:
            for batch in read_partition(partition, batch_rows=batch_rows):
                done = score_batch(plan, batch, tally.rows_in)
                writer.write(done.scores, done.rejects)
                log.write(done.log, done.rows_logged)
                tally.rows_in += done.rows_in
                tally.rows_scored += done.rows_scored
                tally.rows_rejected += done.rows_rejected
                if done.rows_rejected:
                    tally.reasons.update(reason_keys(done.rejects.column("reason")))
                report(progress, tally, src)
            tally.partitions_done += 1

        runner.map(one, list(src.partitions))
        publish = not over_limit(tally, limit)
        writer.commit(publish_scores=publish)
        if publish:
            tally.rows_logged = log.publish()
        return publish
    except BaseException:
        writer.abort()
        raise
    finally:
        log.discard()
