"""``charter monitor`` and ``charter labels ingest``: every monitoring check, window by window.

``charter monitor NAME`` prints one Rich table per window and version -- drift per feature, drift
share, prediction drift, quality, realized performance, fairness, volume, rejects, serving and
delivery health, and any extra checks -- each with its value, limit and coloured status, then the
reasons behind what is not ok; it exits 1 when any window alerts. ``--json`` prints the whole
result (``MonitorResult.to_dict()``). ``--engine dask [--scheduler ADDR]`` profiles each window's
log parts on a Dask cluster, as ``charter score`` scores on one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    EXIT_FAILED,
    console,
    handle_errors,
    parse_moment,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:
    import pandas as pd

    from charter.monitoring import MonitorResult, WindowReport

__all__ = ["register"]

_COLOURS = {"ok": "green", "warn": "yellow", "alert": "red", "no_data": "dim"}

labels_app = typer.Typer(help="Ground-truth labels for logged predictions.", no_args_is_help=True)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _status(status: str) -> str:
    return f"[{_COLOURS.get(status, 'white')}]{status}[/]"


def _bound(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f">= {low:g}"
    return f"<= {high:g}" if high is not None else ""


def _rows(report: WindowReport) -> list[tuple[str, str, str, str, str, str]]:
    """(check, on, method, value, limit, status) for every check of one window."""
    rows: list[tuple[str, str, str, str, str, str]] = [
        ("drift", c.feature, c.method, _number(c.statistic), _number(c.threshold), c.status)
        for c in report.features
    ]
    rows.append(
        ("drift", "all features", "share drifted", _number(report.drift_share), "0.5",
         report.drift_status)
    )  # fmt: skip
    psi, ks = _number(report.prediction_psi), _number(report.prediction_ks)
    rows.append(("prediction", "score", "psi", psi, "", report.prediction_status))
    rows.append(("prediction", "score", "ks", ks, "", report.prediction_status))
    if report.positive_rate is not None:
        rate = _number(report.positive_rate)
        rows.append(("prediction", "label", "positive rate", rate, "", "ok"))
    for q in report.quality:
        rates = (
            ("missing rate", q.missing_rate, q.missing_status),
            ("out-of-range rate", q.out_of_range_rate, q.out_of_range_status),
            ("unseen-category rate", q.unseen_category_rate, q.unseen_status),
        )
        rows += [
            ("quality", q.feature, label, _number(value), "", status)
            for label, value, status in rates
            if status in {"warn", "alert"}
        ]
    if all(q.status in {"ok", "no_data"} for q in report.quality):
        judged = [q.status for q in report.quality]
        summary = "ok" if "ok" in judged else "no_data"
        rows.append(("quality", f"{len(judged)} features", "rates", "", "", summary))
    for perf in report.performance:
        rows.append(
            ("performance", f"{perf.n_labelled} labels", perf.metric, _number(perf.value),
             _bound(perf.bound_min, perf.bound_max), perf.status)
        )  # fmt: skip
    for fair in report.fairness:
        rows.append(
            ("fairness", "&".join(fair.by), fair.metric, _number(fair.value),
             _bound(fair.bound_min, fair.bound_max), fair.status)
        )  # fmt: skip
    for check in report.checks:
        family, _, metric = check.metric.partition(".")
        unit = {"serving": "requests", "delivery": "runs"}.get(family, "rows")
        on = "" if check.n is None else f"{check.n} {unit}"
        rows.append(
            (family, on, metric, _number(check.value), _number(check.threshold), check.status)
        )
    for extra in report.extra:
        if not extra.checks:
            rows.append((extra.name, "", "", "—", "", extra.status))
        for check in extra.checks:
            rows.append(
                (extra.name, "", check.metric, _number(check.value), _number(check.threshold),
                 check.status)
            )  # fmt: skip
    return rows


def _notes(report: WindowReport) -> list[str]:
    """The reasons behind anything that is not ok, and each group's selection rate."""
    notes = [f"quality {_status(q.status)} {q.feature}: {q.reason}"
             for q in report.quality if q.status in {"warn", "alert"}]  # fmt: skip
    notes += [f"fairness {_status(f.status)} {f.metric}: {f.reason}"
              for f in report.fairness if f.status != "ok"]  # fmt: skip
    notes += [f"{c.metric} {_status(c.status)}: {c.reason}"
              for c in report.checks if c.status in {"warn", "alert"}]  # fmt: skip
    notes += [f"{e.name} {_status(e.status)}: {e.reason}"
              for e in report.extra if e.status != "ok"]  # fmt: skip
    by_attribute: dict[str, list[str]] = {}
    for group in report.groups:
        by_attribute.setdefault(group.by, []).append(
            f"{group.group} {_number(group.selection_rate)} (n={group.n})"
        )
    notes += [f"selection rate by {a}: {', '.join(g)}" for a, g in by_attribute.items()]
    notes.append(f"drift: {report.drift_reason}")
    return notes


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
        for column in ("check", "on", "method", "value", "limit", "status"):
            if column in {"value", "limit"}:
                table.add_column(column, justify="right", overflow="fold")
            else:
                table.add_column(column, overflow="fold")
        for check, on, method, value, limit, status in _rows(report):
            table.add_row(check, on, method, value, limit, _status(status))
        console.print(table)
        for note in _notes(report):
            console.print(f"  {note}")
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
    engine: str = typer.Option("local", "--engine", help="local or dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."
    ),
) -> None:
    """Drift, quality, prediction drift, performance, fairness and health per window of the log.

    With --engine dask each window's log parts are profiled on a Dask cluster (the scheduler at
    --scheduler, or an in-process one without it); the figures equal the local engine's.
    """
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
            since=parse_moment(since, "--since"),
            until=parse_moment(until, "--until"),
            engine=engine,
            scheduler=scheduler,
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
