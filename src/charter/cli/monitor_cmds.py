"""``charter monitor`` and ``charter labels ingest``: drift, quality and realized performance.

``charter monitor NAME`` prints one Rich table per window and version (feature, method, statistic,
threshold, status) and exits 1 when any window alerts; ``--json`` prints the whole result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    EXIT_FAILED,
    console,
    handle_errors,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:
    import pandas as pd

    from charter.monitoring import MonitorResult

__all__ = ["register"]

_COLOURS = {"ok": "green", "warn": "yellow", "alert": "red", "no_data": "dim"}

labels_app = typer.Typer(help="Ground-truth labels for logged predictions.", no_args_is_help=True)


def _moment(value: str | None, option: str) -> datetime | None:
    from charter.errors import DataError

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(
            f"{option} must be an ISO date or time, e.g. 2026-03-01; got {value!r}"
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _status(status: str) -> str:
    return f"[{_COLOURS.get(status, 'white')}]{status}[/]"


def _render(result: MonitorResult) -> None:
    from rich.table import Table

    if not result.windows:
        console.print(f"{result.model}: no logged predictions in range ({_status('no_data')})")
        return
    for report in result.windows:
        title = (
            f"{result.model}@{report.version} · {report.window_start:%Y-%m-%d %H:%M} → "
            f"{report.window_end:%Y-%m-%d %H:%M} UTC · {report.n_rows} rows · "
            f"{_status(report.status)}"
        )
        table = Table(title=title, title_justify="left")
        for column in ("feature", "method", "statistic", "threshold", "status"):
            table.add_column(
                column, justify="right" if column in {"statistic", "threshold"} else "left"
            )
        for check in report.features:
            table.add_row(
                check.feature, check.method, _number(check.statistic), _number(check.threshold),
                _status(check.status),
            )  # fmt: skip
        table.add_row(
            "prediction score", "psi", _number(report.prediction_psi), "",
            _status(report.prediction_status),
        )  # fmt: skip
        for perf in report.performance:
            bound = perf.bound_min if perf.bound_min is not None else perf.bound_max
            table.add_row(
                f"performance ({perf.n_labelled} labels)", perf.metric, _number(perf.value),
                _number(bound), _status(perf.status),
            )  # fmt: skip
        console.print(table)
        bad = [q for q in report.quality if q.status == "alert"]
        for q in bad:
            console.print(f"  quality {_status(q.status)} {q.feature}: {q.reason}")
        console.print(
            f"  drift share {_number(report.drift_share)} ({report.drift_reason}); "
            f"positive rate {_number(report.positive_rate)}"
        )
    console.print(f"stored {result.n_points} points · overall {_status(result.status)}")


@handle_errors
def monitor_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The model to monitor."),
    window: str | None = typer.Option(
        None, "--window", help="Window length, e.g. 1h or 1d (default: the charter's)."
    ),
    since: str | None = typer.Option(None, "--since", help="First moment, ISO (UTC if no zone)."),
    until: str | None = typer.Option(None, "--until", help="End moment (exclusive), ISO."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Drift, data quality, prediction drift and realized performance per window of the log."""
    from charter.contract import parse_duration
    from charter.errors import DataError
    from charter.monitoring import monitor
    from charter.registry import Registry

    settings = settings_from_context(ctx)
    try:
        length = parse_duration(window) if window else None
    except ValueError as exc:
        raise DataError(f"--window: {exc}") from exc
    with Registry.open(settings) as registry:
        result = monitor(
            registry,
            name,
            home=settings.home,
            window=length,
            since=_moment(since, "--since"),
            until=_moment(until, "--until"),
        )
    if as_json:
        print_json(result.to_dict())
    else:
        _render(result)
    if result.status == "alert":
        raise typer.Exit(EXIT_FAILED)


def _read_labels(path: Path) -> pd.DataFrame:
    import pandas as pd

    from charter.errors import DataError

    if not path.exists():
        raise DataError(f"no labels file at {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in {".csv", ".txt"}:
        return pd.read_csv(path, dtype=str, keep_default_na=True)
    if suffix in {".json", ".jsonl", ".ndjson"}:
        return pd.read_json(path, lines=suffix != ".json", dtype=False)
    raise DataError(f"labels must be .parquet, .csv or .jsonl; got {path.name}")


@handle_errors
def labels_ingest_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The model the labels belong to."),
    input_path: Path = typer.Option(..., "--input", "-i", help="Labels file (.parquet/.csv)."),
    id_column: str = typer.Option(..., "--id-column", help="Column with the request id."),
    label_column: str = typer.Option(..., "--label-column", help="Column with the label."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Join ground-truth labels to logged predictions by request id (idempotent)."""
    from charter.monitoring import ingest_labels
    from charter.registry import Registry

    settings = settings_from_context(ctx)
    frame = _read_labels(input_path)
    with Registry.open(settings) as registry:
        result = ingest_labels(
            registry, name, frame, id_column=id_column, label_column=label_column,
            home=settings.home,
        )  # fmt: skip
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"{name}: {result.new} new, {result.updated} updated, {result.unchanged} unchanged label(s)"
    )
    if result.unknown:
        shown = ", ".join(result.unknown_ids)
        console.print(
            f"[yellow]{result.unknown} label(s) for request ids not in the log were skipped[/]"
            f" (e.g. {shown})"
        )


def register(app: typer.Typer) -> None:
    """Add ``charter monitor`` and ``charter labels ingest`` to the app."""
    app.command("monitor")(monitor_cmd)
    labels_app.command("ingest")(labels_ingest_cmd)
    app.add_typer(labels_app, name="labels")
