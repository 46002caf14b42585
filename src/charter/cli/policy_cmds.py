"""``charter policies NAME``: judge the production version's policies and act on those that fire.

Prints one Rich table (policy, action, state, run, newest value, last firing, outcome) and the
reason behind each state; ``--json`` prints the decisions, ``--dry-run`` decides without
recording or acting. Exit codes: 0 when every policy was judged and every action that ran
succeeded, 1 when an action failed, 2 when a policy could not be judged or the command stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from charter.cli._common import (
    EXIT_ERROR,
    EXIT_FAILED,
    console,
    handle_errors,
    print_json,
    settings_from_context,
)

if TYPE_CHECKING:
    from charter.policies import PolicyDecision

__all__ = ["register"]

_COLOURS = {
    "ok": "green",
    "no_data": "dim",
    "building": "yellow",
    "holding": "yellow",
    "cooldown": "yellow",
    "fired": "bold red",
    "error": "red",
    "done": "green",
    "failed": "red",
    "pending": "yellow",
}


def _paint(status: str, text: str | None = None) -> str:
    return f"[{_COLOURS.get(status, 'white')}]{text or status}[/]"


def _policy(decision: PolicyDecision) -> str:
    sign = ">" if decision.comparison == "above" else "<"
    windows = "" if decision.for_windows == 1 else f" for {decision.for_windows} windows"
    return f"{decision.metric} {sign} {decision.threshold:g}{windows}"


def _render(name: str, decisions: list[PolicyDecision], *, dry_run: bool) -> None:
    from rich.table import Table

    if not decisions:
        console.print(f"{name}: the production charter has no policies")
        return
    version = next((d.version for d in decisions if d.version is not None), None)
    title = f"{name}@{version} policies" + (
        " · dry run: nothing recorded or done" if dry_run else ""
    )
    table = Table(title=title, title_justify="left")
    for column in ("policy", "action", "state", "run", "newest", "last fired", "outcome"):
        if column in {"run", "newest"}:
            table.add_column(column, justify="right", overflow="fold")
        else:
            table.add_column(column, overflow="fold")
    for d in decisions:
        newest = d.latest.value if d.latest is not None else None
        state = "would fire" if d.fires and d.is_dry_run else d.state
        table.add_row(
            _policy(d),
            d.action,
            _paint(d.state, state),
            f"{d.run}/{d.for_windows}",
            "—" if newest is None else f"{newest:.4g}",
            "—" if d.last_fired_at is None else f"{d.last_fired_at:%Y-%m-%d %H:%M} UTC",
            "" if d.outcome is None else _paint(d.outcome.status),
        )
    console.print(table)
    for d in decisions:
        console.print(f"  {_policy(d)}: {d.reason}")
        if d.outcome is not None:
            console.print(f"    {d.action} {_paint(d.outcome.status)}: {d.outcome.detail}")


@handle_errors
def policies_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The model whose production policies to evaluate."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Decide only: record nothing and run no action."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the decisions as JSON."),
) -> None:
    """Evaluate the production version's policies and alert, roll back or retrain as they say."""
    from charter.policies import RetrainOptions, evaluate_policies
    from charter.registry import Registry

    settings = settings_from_context(ctx)
    retraining = RetrainOptions(home=settings.home, settings=settings)
    with Registry.open(settings) as registry:
        decisions = evaluate_policies(registry, name, dry_run=dry_run, retraining=retraining)
    if as_json:
        print_json(
            {"model": name, "dry_run": dry_run, "policies": [d.to_dict() for d in decisions]}
        )
    else:
        _render(name, decisions, dry_run=dry_run)
    if any(d.state == "error" for d in decisions):
        raise typer.Exit(EXIT_ERROR)
    if any(d.outcome is not None and d.outcome.status == "failed" for d in decisions):
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``charter policies`` to the app."""
    app.command("policies")(policies_cmd)
