"""``charter score``: batch scoring from a terminal, a scheduler or CI.

On a terminal it shows a progress bar with rows per second and the time left; with ``--json``, or
when stdout is not a terminal (a cron job, a pipe), it prints one JSON document and nothing else.
Exit codes: 0 the run succeeded, 1 it ran and failed the charter's reject limit, 2 bad input or an
error that stopped it (nothing partial is left under the output's name).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    EXIT_FAILED,
    console,
    err_console,
    handle_errors,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:  # pandas, pyarrow and the model libraries load only when a run starts
    from charter.batch import BatchProgress, BatchRunResult

__all__ = ["register"]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[object | None]:
    """A Rich bar (rows, rows/s, ETA) on a terminal; None (no display at all) otherwise."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows · {task.fields[rate]} rows/s · {task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with bar:
        yield bar


def _updater(bar: object | None) -> Callable[[BatchProgress], None] | None:
    if bar is None:
        return None
    from rich.progress import Progress

    assert isinstance(bar, Progress)
    task = bar.add_task("score", total=None, rate="—", rejected=0)

    def update(event: BatchProgress) -> None:
        total = event.rows_total
        if total is not None and event.rows_done > total:  # the estimate was low
            total = None
        elapsed = bar.tasks[task].elapsed or 0.0
        rate = f"{event.rows_done / elapsed:,.0f}" if elapsed > 0 else "—"
        bar.update(
            task, completed=event.rows_done, total=total, rate=rate, rejected=event.rows_rejected
        )

    return update


def _render(result: BatchRunResult) -> None:
    colour = "green" if result.passed else "red"
    console.print(
        f"[{colour}]{result.status}[/] {result.model}@{result.version} run {result.run_id}: "
        f"{result.rows_scored:,} scored, {result.rows_rejected:,} rejected of "
        f"{result.rows_in:,} rows in {result.duration_s:.1f}s",
        markup=True,
    )
    console.print(f"  output  {result.output_uri}")
    console.print(f"  rejects {result.reject_uri}")
    if result.manifest_uri:
        console.print(f"  manifest {result.manifest_uri}")
    if result.deadline_at is not None:
        verdict = "met" if result.met_deadline else "[red]missed[/]"
        console.print(f"  deadline {result.deadline_at.isoformat()} {verdict}", markup=True)
    for reason, rows in result.top_reject_reasons:
        console.print(f"  reject  {rows:>8,}  {reason}")
    if result.error:
        err_console.print(f"[red]{result.error}[/]", markup=True)


@handle_errors
def score_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(
        ..., metavar="NAME[@VERSION|@ALIAS]", help="The version to score with."
    ),
    source: str | None = typer.Option(
        None,
        "--input",
        "-i",
        help="CSV/Parquet/JSONL file, glob, folder, fsspec URL or sqlite:///db#table "
        "(default: the charter's delivery.batch.source).",
    ),
    sink: str | None = typer.Option(
        None,
        "--output",
        "-o",
        help="File (.parquet/.csv/.jsonl), fsspec URL or database URL#table "
        "(default: the charter's delivery.batch.sink).",
    ),
    engine: str = typer.Option("local", "--engine", help="local or dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."
    ),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Input column that identifies a row (default: the entity key)."
    ),
    run_id: str | None = typer.Option(
        None, "--run-id", help="Name the run; rerunning a run id replaces its output."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON, no progress."),
) -> None:
    """Score a file, folder or table with a registered version, by the charter's rules.

    Rows that fail the charter's input checks go to a reject file next to the output, with the
    reason per row. Exits 1 when more rows are rejected than delivery.batch.max_reject_share.

    \b
    Examples:
      charter score adult-income@production -i customers.parquet -o scores.parquet
      charter score adult-income -i 'data/*.csv' -o sqlite:///scores.db#scores
      charter score adult-income --engine dask --scheduler tcp://10.0.0.5:8786 -i s3://b/in/ -o s3://b/out.parquet
    """
    from charter.batch import score
    from charter.registry import Registry

    settings = settings_from_context(ctx)
    quiet = as_json or not sys.stdout.isatty()
    with Registry.open(settings) as registry, _progress_bar(not quiet) as bar:
        result = score(
            registry,
            ref,
            source=source,
            sink=sink,
            engine=engine,
            scheduler=scheduler,
            id_column=id_column,
            run_id=run_id,
            overwrite=overwrite,
            home=settings.home,
            progress=_updater(bar),
        )
    if quiet:
        print_json(result.to_dict())
    else:
        _render(result)
    if not result.passed:
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``charter score`` to the app."""
    app.command("score")(score_cmd)
