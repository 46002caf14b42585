"""``charter validate``: run the validation gate on a holdout and say what passed, from a terminal.

Exit codes fit CI: 0 the gate passed (warnings allowed), 1 it failed, 2 bad input (unknown
version, unreadable holdout, missing columns, labels outside the charter's classes), in which case
nothing is recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from charter.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    console,
    handle_errors,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:  # the gate pulls in pandas, scikit-learn and the models: import on use
    from charter.validation import GateReport

__all__ = ["register"]

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim"}


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _render(report: GateReport, written: list[Path]) -> None:
    table = Table(title=f"Validation gate: {report.ref}", title_justify="left")
    for column in ("check", "verdict", "value", "threshold", "reason"):
        table.add_column(column, overflow="fold", no_wrap=column in ("verdict", "value"))
    for check in report.checks:
        style = _STYLE[check.verdict]
        table.add_row(
            check.name,
            f"[{style}]{check.verdict.upper()}[/]",
            _value(check.value),
            check.threshold or "—",
            check.reason,
        )
    console.print(table)
    counts = report.summary()
    style = _STYLE[report.status]
    console.print(
        f"[{style}]Gate {report.status.upper()}[/] — {counts['pass']} passed, "
        f"{counts['warn']} warned, {counts['fail']} failed, {counts['skipped']} skipped "
        f"({report.duration_s:.1f} s)"
    )
    if report.run_id is not None:
        console.print(f"[dim]recorded as validation run #{report.run_id} of {report.ref}[/]")
    for path in written:
        console.print(f"[dim]report written to {path}[/]")


@handle_errors
def validate_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION", help="The version to validate."),
    data: Path = typer.Option(
        ..., "--data", "-d", help="Labelled holdout (CSV/Parquet/JSON Lines) with the target."
    ),
    report_path: Path | None = typer.Option(
        None, "--report", "-r", help="Write the HTML report here (and the JSON beside it)."
    ),
    charter_path: Path | None = typer.Option(
        None,
        "--charter",
        "-c",
        help="Judge by this charter instead of the one the version was registered under.",
    ),
    by: str | None = typer.Option(
        None, "--by", help="Who runs the gate (default: CHARTER_USER/git)."
    ),
    skip: list[str] = typer.Option(
        [], "--skip", help="Leave out a check family (latency, explainability, ...); repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Run the validation gate on a holdout and record the verdict in the registry.

    Exit 0 when the gate passes (warnings allowed), 1 when it fails, 2 on bad input.

    \b
    Example:
      charter validate adult-income@1 --data holdout.parquet --report gate.html
    """
    from charter.registry import Registry
    from charter.reports import write_gate_report
    from charter.validation import validate

    settings = settings_from_context(ctx)
    with Registry.open(settings) as registry:
        report = validate(
            registry,
            ref,
            data,
            charter=charter_path,
            run_by=by,
            skip=skip,
            settings=settings,
        )
    written: list[Path] = []
    if report_path is not None:
        written = write_gate_report(
            report, path_html=report_path, path_json=report_path.with_suffix(".json")
        )
    if as_json:
        print_json(report.to_dict())
    else:
        _render(report, written)
    raise typer.Exit(EXIT_FAILED if report.status == "fail" else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``charter validate`` to the app."""
    app.command("validate")(validate_cmd)
