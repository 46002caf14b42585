"""The Dask path of a run: one task per partition, part files, a manifest, then publish.

Partitions are numbered by the global position of their first row before any task starts (text
files are counted first), so row-number ids, reject rows and log request ids match the local
engine's exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import fsspec

from charter.batch.partition import PartitionResult, PartitionTask, count_rows, run_partition
from charter.batch.prediction_log import StagedLog
from charter.batch.scorer import ScoringPlan
from charter.batch.setup import output_schemas
from charter.batch.sinks import FileSink, write_manifest
from charter.batch.sources import Source, with_offsets
from charter.batch.tally import Progress, Tally, over_limit, report
from charter.engines import Engine

__all__ = ["run_distributed"]


def run_distributed(
    plan: ScoringPlan,
    src: Source,
    out: FileSink,
    runner: Engine,
    tally: Tally,
    batch_rows: int,
    progress: Progress | None,
    limit: float,
    spool_dir: Path,
) -> tuple[bool, str]:
    """One task per partition writing part files; the client publishes them with a manifest."""
    work = out.prepare_work_dir(plan.run_id)
    try:
        partitions = src.partitions
        if any(p.rows is None for p in partitions[1:]):
            # Row numbers must not depend on the engine: count the text files first.
            partitions = with_offsets(partitions, runner.map(count_rows, list(partitions)))
        else:
            partitions = with_offsets(partitions, [p.rows or 0 for p in partitions])
        scores_schema, rejects_schema = output_schemas(plan)
        tasks = [
            PartitionTask(
                plan,
                p,
                batch_rows,
                out.fs.unstrip_protocol(work),
                out.kind,
                scores_schema,
                rejects_schema,
            )
            for p in partitions
        ]

        def landed(_index: int, result: PartitionResult) -> None:
            tally.rows_in += result.rows_in
            tally.rows_scored += result.rows_scored
            tally.rows_rejected += result.rows_rejected
            tally.reasons.update(dict(result.reasons))
            tally.partitions_done += 1
            report(progress, tally, src)

        results = runner.map(run_partition, tasks, on_result=landed)
        publish = not over_limit(tally, limit)
        manifest = _manifest(plan, src, results, runner.name)
        write_manifest(out, work, manifest)
        out.publish(work, plan.run_id, publish_scores=publish, parts=True)
        if publish:
            log = StagedLog(spool_dir, f"{plan.model_name}.{plan.run_id}")
            try:
                for result in results:
                    with fsspec.open(result.log_file, "rb") as lines:
                        for line in lines:
                            log.write(line, 0)
                    log.count += result.rows_logged
                tally.rows_logged = log.publish()
            finally:
                log.discard()
        else:
            tally.rows_logged = 0
        return publish, f"{out.uri}/_manifest.json"
    finally:
        out.discard(work)


def _manifest(
    plan: ScoringPlan, src: Source, results: list[PartitionResult], engine: str
) -> dict[str, object]:
    return {
        "run_id": plan.run_id,
        "model": plan.model_name,
        "version": plan.version,
        "engine": engine,
        "input": src.uri,
        "written_at": datetime.now(UTC).isoformat(),
        "rows_in": sum(r.rows_in for r in results),
        "rows_scored": sum(r.rows_scored for r in results),
        "rows_rejected": sum(r.rows_rejected for r in results),
        "parts": [
            {"file": r.scores_file.rsplit("/", 1)[-1], "rows": r.rows_scored} for r in results
        ],
        "reject_parts": [
            {"file": r.rejects_file.rsplit("/", 1)[-1], "rows": r.rows_rejected} for r in results
        ],
    }
