"""``charter run``: the scheduler, as a long-lived process or one idempotent pass (``--once``).

Each pass compacts the prediction log, scores due batch slots, monitors closed windows and
evaluates the policies (which may alert, retrain or roll back); each job is printed as it ends.
SIGTERM or Ctrl-C stops it after the job in hand (a second Ctrl-C stops at once). Exit codes:
0 when every job of the pass (``--once``) succeeded, 1 when one failed, 2 on bad input.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    EXIT_ERROR,
    EXIT_FAILED,
    console,
    handle_errors,
    parse_moment,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:
    from charter.scheduler import JobReport

__all__ = ["register"]

_COLOURS = {"done": "green", "failed": "red"}


def _show(report: JobReport) -> None:
    slot = "" if report.slot is None else f" {report.slot:%Y-%m-%d %H:%M:%S}Z"
    colour = _COLOURS[report.status]
    console.print(
        f"[dim]{report.seconds:6.1f} s[/] {report.model} [bold]{report.job}[/]{slot} "
        f"[{colour}]{report.status}[/]: {report.detail}",
        highlight=False,
    )


@handle_errors
def run_cmd(
    ctx: typer.Context,
    once: bool = typer.Option(
        False, "--once", help="Do one pass and exit (for cron, Airflow or CI); idempotent."
    ),
    interval: str = typer.Option(
        "60s", "--interval", help="Pause between passes of the long-lived scheduler, e.g. 30s."
    ),
    models: list[str] = typer.Option(
        [], "--model", "-m", help="Only these models (repeatable; default: all in production)."
    ),
    engine: str = typer.Option("local", "--engine", help="local, or dask for a Dask cluster."),
    dask_scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786) for --engine dask."
    ),
    skip: list[str] = typer.Option(
        [], "--skip", help="Gate check families a retrain's gate leaves out (e.g. latency)."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Monitor no window that ends before this moment (ISO, UTC if no zone): a floor for "
        "a first run over a long log, which would otherwise start at its first record.",
    ),
    as_json: bool = typer.Option(False, "--json", help="With --once: print the pass as JSON."),
) -> None:
    """Run everything the charters schedule: batch slots, compaction, monitoring, policies.

    Each closed monitoring window is monitored once; where the charter sets
    monitoring.label_delay, again once its labels are due, so the realized performance and the
    policies on it see labels that arrived late.

    State lives in the registry: a restarted scheduler resumes at the first window not done,
    and two schedulers on one registry never run the same slot.

    \b
    Examples:
      charter run                 # long-lived, a pass every 60 s
      charter run --once --json   # one pass, e.g. from cron
      charter run --since 2026-11-01   # a long log: monitor from November on
    """
    from charter.contract import parse_duration
    from charter.policies import RetrainOptions
    from charter.registry import Registry
    from charter.scheduler import SchedulerOptions, run_pass

    if engine not in ("local", "dask"):
        console.print(f"[red]--engine must be local or dask; got {engine!r}[/]")
        raise typer.Exit(EXIT_ERROR)
    try:
        pause = parse_duration(interval).total_seconds()
    except ValueError as exc:
        console.print(f"[red]--interval: {exc}[/]")
        raise typer.Exit(EXIT_ERROR) from None
    settings = settings_from_context(ctx)
    options = SchedulerOptions(
        home=settings.home,
        models=tuple(models),
        engine=engine,
        dask_scheduler=dask_scheduler,
        retraining=RetrainOptions(home=settings.home, settings=settings, skip=tuple(skip)),
        since=parse_moment(since, "--since"),
    )
    stop = threading.Event()
    show = None if as_json else _show
    with Registry.open(settings) as registry:
        if once:
            report = run_pass(registry, options, on_job=show)
            if as_json:
                print_json(report.to_dict())
            raise typer.Exit(EXIT_FAILED if report.failed else 0)
        _stop_on_signals(stop)
        console.print(
            f"charter run: a pass every {interval} as {options.owner}; Ctrl-C or SIGTERM stops "
            "after the job in hand"
        )
        while not stop.is_set():
            run_pass(registry, options, on_job=show, should_stop=stop.is_set)
            stop.wait(pause)
    console.print("charter run: stopped")


def _stop_on_signals(stop: threading.Event) -> None:
    """First SIGINT/SIGTERM: finish the job in hand, then stop. Second SIGINT: stop now."""

    def handle(number: int, frame: FrameType | None) -> None:
        if stop.is_set() and number == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        console.print("charter run: stopping after the job in hand…")

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)


def register(app: typer.Typer) -> None:
    """Add ``charter run`` to the app."""
    app.command("run")(run_cmd)
