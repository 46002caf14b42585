"""``charter report``: reports written from what the registry holds (``monitor`` so far).

``charter report monitor NAME`` writes the monitoring report, one offline HTML page, and prints
the summary (or, with ``--json``, the sections and the worst status per family). It exits 0 once
the page is written, whatever the figures say: ``charter monitor`` is the command that fails on
an alert; 2 on bad input (an unknown model, a bad --since).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    console,
    handle_errors,
    parse_moment,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:
    from charter.reports.monitor_html import MonitorReport

__all__ = ["register"]

_COLOURS = {"ok": "green", "warn": "yellow", "alert": "red", "no_data": "dim"}

report_app = typer.Typer(
    help="Reports written from the registry: the monitoring report.", no_args_is_help=True
)


def _status(status: str) -> str:
    return f"[{_COLOURS.get(status, 'magenta')}]{status}[/]"


def _render(report: MonitorReport, path: Path) -> None:
    from rich.table import Table

    if not report.has_points:
        console.print(
            f"[yellow]{report.model} has no monitoring figures yet[/]: run "
            f"`charter monitor {report.model}` first, then write the report again."
        )
    else:
        first, last = report.windows[0][0], report.windows[-1][1]
        console.print(
            f"{report.model}: {len(report.windows)} window(s) {first:%Y-%m-%d %H:%M} → "
            f"{last:%Y-%m-%d %H:%M} UTC, {report.n_points} figures, overall "
            f"{_status(report.status)}"
        )
        table = Table(title_justify="left")
        for column in ("family", "latest window", "worst"):
            table.add_column(column)
        for family in report.families:
            table.add_row(family.title, _status(family.latest_status), _status(family.worst_status))
        console.print(table)
    console.print(f"report written to {path}")


@handle_errors
def monitor_report_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The model to report on."),
    html: Path | None = typer.Option(
        None, "--html", help="Where to write the page (default: ./NAME-monitoring.html)."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only windows starting at or after this moment, ISO (UTC if no zone)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary and the sections as JSON."
    ),
) -> None:
    """Write the monitoring report of a model: one self-contained HTML page with plots.

    The page shows what `charter monitor` stored, window by window: a summary (model, versions,
    windows covered, the worst status per family, in colours that also carry their word), then
    data drift per feature over time with the warn and alert levels, reference vs current
    distributions of the latest window, prediction drift, realized and estimated performance
    with the charter's bounds, fairness over time, data quality and volume, and serving and
    delivery health. A section without figures says "no data yet". It opens offline: inline CSS
    and SVG, no script, nothing loaded from elsewhere. Run `charter monitor NAME` first.

    \b
    Example:
      charter monitor adult-income && charter report monitor adult-income --html monitoring.html
    """
    from charter.registry import Registry
    from charter.reports.monitor_html import build_monitor_report, write_monitor_report

    settings = settings_from_context(ctx)
    moment = parse_moment(since, "--since")
    with Registry.open(settings) as registry:
        report = build_monitor_report(registry, name, home=settings.home, since=moment)
    path = write_monitor_report(report, html or Path(f"{name}-monitoring.html"))
    if as_json:
        print_json({"path": str(path), **report.to_dict()})
    else:
        _render(report, path)


def register(app: typer.Typer) -> None:
    """Add ``charter report monitor`` to the app."""
    report_app.command("monitor")(monitor_report_cmd)
    app.add_typer(report_app, name="report")
