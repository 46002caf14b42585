"""``retire`` and ``inventory``: model-risk management from a terminal.

``charter retire NAME --reason TEXT [--successor NAME]`` decommissions a model (never served or
promoted again; its records stay). ``charter inventory`` lists every model with its risk tier,
stage, evidence and state, as a table, ``--json``, ``--csv`` or a self-contained ``--html`` page.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from charter.cli._common import console, handle_errors, print_json, settings_from_context
from charter.config import current_user

if TYPE_CHECKING:
    from charter.governance.inventory import Inventory, InventoryEntry

__all__ = ["register"]

_CSV_COLUMNS = (
    "name", "owner", "purpose", "tier", "suggested_tier", "stage", "production_version",
    "latest_version", "versions", "subject_version", "last_validation_run",
    "last_validation_status", "last_validated_at", "last_validated_by", "approvals", "missing",
    "open_findings", "next_revalidation", "revalidation_overdue", "is_retired", "retired_at",
    "retired_by", "retire_reason", "successor",
)  # fmt: skip


@handle_errors
def retire_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The model to decommission."),
    reason: str = typer.Option(..., "--reason", help="Why it is retired (kept in the audit log)."),
    successor: str = typer.Option("", "--successor", help="The model that replaces it."),
    by: str | None = typer.Option(None, "--by", help="Who retires it (default: CHARTER_USER/git)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retire a model: it can no longer be served or promoted; every record stays.

    \b
    Example:
      charter retire adult-income --reason "replaced by the 2027 scorecard" --successor income-v2
    """
    from charter.cli._common import to_jsonable
    from charter.governance import GovernanceService
    from charter.store import open_registry_store

    settings = settings_from_context(ctx)
    store = open_registry_store(settings.db_url.reveal())
    try:
        record = GovernanceService(store).retire(
            name, reason=reason, successor=successor, by=current_user(by, settings)
        )
    finally:
        store.close()
    if as_json:
        print_json(to_jsonable(record))
        return
    heir = f"; successor {record.successor}" if record.successor else ""
    console.print(
        f"[bold]{record.name}[/] retired by {record.retired_by}: {record.retire_reason}{heir}"
    )


def _cell(entry: InventoryEntry, column: str) -> str:
    value: Any = getattr(entry, column)
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat(timespec="seconds"))
    return str(value)


def inventory_csv(inventory: Inventory) -> str:
    """One CSV row per model; lists joined with ``; ``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for entry in inventory.entries:
        writer.writerow([_cell(entry, column) for column in _CSV_COLUMNS])
    return out.getvalue()


def _render(inventory: Inventory) -> None:
    table = Table(title=f"Model inventory ({len(inventory.entries)} models)", title_justify="left")
    for column in ("model", "owner", "tier", "stage", "prod", "last gate", "approvals",
                   "findings", "revalidate by"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for e in inventory.active:
        gate = (
            f"{e.last_validation_status} (v{e.subject_version}, {e.last_validated_at:%Y-%m-%d})"
            if e.last_validated_at is not None
            else "—"
        )
        due = f"{e.next_revalidation:%Y-%m-%d}" if e.next_revalidation is not None else "—"
        table.add_row(
            e.name,
            e.owner,
            e.tier,
            e.stage,
            f"v{e.production_version}" if e.production_version is not None else "—",
            gate,
            ", ".join(f"{role}: {who}" for role, who in e.approvals.items()) or "—",
            str(len(e.open_findings)),
            f"[bold red]{due} OVERDUE[/]" if e.revalidation_overdue else due,
        )
    console.print(table)
    for e in inventory.retired:
        heir = f", successor {e.successor}" if e.successor else ""
        when = f"{e.retired_at:%Y-%m-%d}" if e.retired_at is not None else "?"
        console.print(
            f"[dim]retired: {e.name} on {when} by {e.retired_by} ({e.retire_reason}{heir})[/]"
        )


@handle_errors
def inventory_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the inventory as CSV."),
    html: Path | None = typer.Option(None, "--html", help="Also write an HTML page here."),
) -> None:
    """List every model: owner, purpose, tier, stage, evidence, findings, revalidation, retirement.

    \b
    Example:
      charter inventory --html inventory.html
    """
    from charter.errors import DataError
    from charter.governance.inventory import build_inventory
    from charter.store import open_registry_store

    if as_json and as_csv:
        raise DataError("choose one of --json and --csv")
    store = open_registry_store(settings_from_context(ctx).db_url.reveal())
    try:
        inventory = build_inventory(store)
    finally:
        store.close()
    if html is not None:
        from charter.reports.inventory_html import write_inventory_html

        write_inventory_html(inventory, html)
    if as_json:
        print_json(inventory.to_dict())
    elif as_csv:
        typer.echo(inventory_csv(inventory), nl=False)
    else:
        _render(inventory)
        if html is not None:
            console.print(f"[dim]inventory written to {html}[/]")


def register(app: typer.Typer) -> None:
    """Add ``charter retire`` and ``charter inventory`` to the app."""
    app.command("retire")(retire_cmd)
    app.command("inventory")(inventory_cmd)
