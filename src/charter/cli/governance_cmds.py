"""``approve``, ``reject``, ``promote``, ``rollback``, ``archive``, ``card`` and the ``tokens``,
``audit`` and ``webhooks`` groups: sign-off and deployment from a terminal.

Refusals exit 2 with ``code: message`` naming the rule; ``audit verify`` exits 1 when the chain is
broken (a check that ran and failed). Identity is ``--by``, else ``CHARTER_USER``, else git.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from charter.cli._common import (
    EXIT_FAILED,
    console,
    err_console,
    handle_errors,
    print_json,
    settings_from_context,
)
from charter.config import current_user

if TYPE_CHECKING:
    from charter.governance import GovernanceService
    from charter.store import RegistryStore

__all__ = ["register"]

_BY = typer.Option(None, "--by", help="Who acts (default: CHARTER_USER, else the git user).")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_REASON = typer.Option("", "--reason", help="Why, for the audit log.")


@contextlib.contextmanager
def _store(ctx: typer.Context) -> Iterator[RegistryStore]:
    from charter.store import open_registry_store

    store = open_registry_store(settings_from_context(ctx).db_url.reveal())
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def _service(ctx: typer.Context) -> Iterator[GovernanceService]:
    from charter.governance import GovernanceService

    with _store(ctx) as store:
        yield GovernanceService(store)


def _who(ctx: typer.Context, by: str | None) -> str:
    return current_user(by, settings_from_context(ctx))


def _record(value: Any) -> dict[str, Any]:
    from charter.cli._common import to_jsonable

    body: dict[str, Any] = to_jsonable(value)
    body.pop("token_hash", None)
    body.pop("secret", None)
    return body


# --- approvals -------------------------------------------------------------------------------
def _decide(
    ctx: typer.Context,
    decision: str,
    ref: str,
    role: str,
    by: str | None,
    note: str,
    evidence: str,
    as_json: bool,
) -> None:
    with _service(ctx) as service:
        act = service.approve if decision == "approve" else service.reject
        record = act(ref, role=role, by=_who(ctx, by), note=note, evidence=evidence)
        readiness = service.readiness(ref)
    if as_json:
        print_json({**_record(record), "missing_for_production": list(readiness.missing)})
        return
    console.print(f"{readiness.ref}: {record.decision} as {record.role} by {record.actor}")
    if readiness.missing:
        console.print("still missing for production: " + "; ".join(readiness.missing))
    else:
        console.print("ready for production")


_ROLE = typer.Option(..., "--role", "-r", help="A role the charter's approvals.required lists.")
_NOTE = typer.Option("", "--note", "-n", help="What was reviewed, in a sentence.")
_EVIDENCE = typer.Option("", "--evidence", help="A link to the review (ticket, report).")


@handle_errors
def approve_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION"),
    role: str = _ROLE,
    by: str | None = _BY,
    note: str = _NOTE,
    evidence: str = _EVIDENCE,
    as_json: bool = _JSON,
) -> None:
    """Approve a version for one role, under its current charter.

    Refused (exit 2, audited) for a role the charter does not require, a version whose latest
    gate run failed or that has none, and, with four-eyes, its registrant or someone who already
    approved it for another role.

    \b
    Example:
      charter approve adult-income@3 --role privacy --by dpo@bank.example --note "DPIA ok"
    """
    _decide(ctx, "approve", ref, role, by, note, evidence, as_json)


@handle_errors
def reject_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION"),
    role: str = _ROLE,
    by: str | None = _BY,
    note: str = _NOTE,
    evidence: str = _EVIDENCE,
    as_json: bool = _JSON,
) -> None:
    """Reject a version for one role; it withdraws that role's approval.

    \b
    Example:
      charter reject adult-income@3 --role business --note "uplift too small"
    """
    _decide(ctx, "reject", ref, role, by, note, evidence, as_json)


# --- deployment ------------------------------------------------------------------------------
def _print_move(record: Any, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(_record(record))
        return
    before = f" (was {record.previous_version})" if record.previous_version is not None else ""
    share = f" with {record.canary_percent}% of traffic" if record.canary_percent else ""
    console.print(f"{record.model_name}@{record.version} {verb} {record.target}{share}{before}")


@handle_errors
def promote_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION"),
    to: str = typer.Option(..., "--to", help="production or shadow."),
    canary: int | None = typer.Option(
        None, "--canary", help="Send this percentage (1-99) of production traffic to it first."
    ),
    by: str | None = _BY,
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Promote a version to production (or a canary of it) or to shadow.

    Production needs a passing gate under the current charter and every required approval;
    a refusal lists exactly what is missing. Shadow needs a passing gate.

    \b
    Example:
      charter promote adult-income@3 --to production --canary 10
    """
    from charter.errors import DataError

    if to not in ("production", "shadow"):
        raise DataError(f"--to must be production or shadow; got {to!r}")
    with _service(ctx) as service:
        record = service.promote(
            ref,
            to="production" if to == "production" else "shadow",
            by=_who(ctx, by),
            canary_percent=canary,
            reason=reason,
        )
    _print_move(record, "promoted to", as_json)


@handle_errors
def rollback_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    by: str | None = _BY,
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Return production to the previous production version that still satisfies the rules.

    \b
    Example:
      charter rollback adult-income --reason "AUC dropped below the floor"
    """
    with _service(ctx) as service:
        record = service.rollback(name, by=_who(ctx, by), reason=reason)
    _print_move(record, "rolled back to", as_json)


@handle_errors
def archive_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION"),
    by: str | None = _BY,
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Archive a version for good: it can no longer be approved, promoted or rolled back to.

    \b
    Example:
      charter archive adult-income@1 --reason "superseded"
    """
    with _service(ctx) as service:
        record = service.archive(ref, by=_who(ctx, by), reason=reason)
    if as_json:
        print_json({"ref": record.ref, "stage": record.stage})
    else:
        console.print(f"{record.ref} archived")


@handle_errors
def card_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME@VERSION"),
    html: bool = typer.Option(False, "--html", help="Write a self-contained HTML page."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> None:
    """Render the model card of a version (Markdown, or HTML with --html).

    \b
    Example:
      charter card adult-income@3 --html -o card.html
    """
    from charter.governance import render_card

    with _store(ctx) as store:
        text = render_card(store, ref, html=html)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


# --- tokens ----------------------------------------------------------------------------------
tokens_app = typer.Typer(help="API tokens for the HTTP admin API.", no_args_is_help=True)


@tokens_app.command("create")
@handle_errors
def tokens_create(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", help="viewer, deployer, admin or approver:ROLE."),
    name: str = typer.Option("", "--name", help="What the token is for (e.g. ci-deployer)."),
    by: str | None = _BY,
    as_json: bool = _JSON,
) -> None:
    """Issue a token; it is printed once and only its sha256 is stored.

    \b
    Example:
      charter tokens create --role approver:privacy --name dpo-laptop
    """
    from charter.governance import issue_token

    with _store(ctx) as store:
        issued = issue_token(store, role, by=_who(ctx, by), name=name)
    if as_json:
        print_json({**_record(issued.record), "token": issued.token})
        return
    console.print(f"token {issued.record.id} ({issued.record.role}); shown once, keep it safe:")
    console.print(issued.token, markup=False)


@tokens_app.command("list")
@handle_errors
def tokens_list(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """List tokens (never their secrets).

    \b
    Example:
      charter tokens list --json
    """
    with _store(ctx) as store:
        tokens = store.list_tokens()
    if as_json:
        print_json([_record(t) for t in tokens])
        return
    rows = [
        [
            str(t.id),
            t.name,
            t.role,
            t.prefix + "…",
            t.created_by,
            "revoked" if t.is_revoked else "active",
        ]
        for t in tokens
    ]
    _print_table("API tokens", ["id", "name", "role", "prefix", "created by", "state"], rows)


@tokens_app.command("revoke")
@handle_errors
def tokens_revoke(
    ctx: typer.Context,
    token_id: int = typer.Argument(..., metavar="ID"),
    by: str | None = _BY,
    as_json: bool = _JSON,
) -> None:
    """Revoke a token at once.

    \b
    Example:
      charter tokens revoke 3
    """
    from charter.governance import revoke_token

    with _store(ctx) as store:
        record = revoke_token(store, token_id, by=_who(ctx, by))
    if as_json:
        print_json(_record(record))
    else:
        console.print(f"token {record.id} revoked")


# --- audit -----------------------------------------------------------------------------------
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@audit_app.command("log")
@handle_errors
def audit_log_cmd(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, metavar="[NAME]", help="Only this model's events."),
    as_json: bool = _JSON,
) -> None:
    """Show the audit history, oldest first.

    \b
    Example:
      charter audit log adult-income --json
    """
    from charter.governance import audit_log, event_to_dict

    with _store(ctx) as store:
        events = audit_log(store, name)
    if as_json:
        print_json([event_to_dict(e) for e in events])
        return
    rows = [
        [
            str(e.seq),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.action,
            f"{e.model_name}@{e.version}" if e.version is not None else (e.model_name or ""),
            e.reason,
        ]
        for e in events
    ]
    _print_table("Audit log", ["seq", "at (UTC)", "actor", "action", "subject", "reason"], rows)


@audit_app.command("verify")
@handle_errors
def audit_verify_cmd(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """Check the hash chain; exit 1 naming the first changed, deleted or reordered event.

    \b
    Example:
      charter audit verify
    """
    from charter.governance import verify_audit

    with _store(ctx) as store:
        verdict = verify_audit(store)
    if as_json:
        print_json(verdict.to_dict())
    elif verdict.ok:
        console.print(f"audit chain intact: {verdict.reason}")
    if not verdict.ok:
        if not as_json:
            err_console.print(
                f"audit chain broken at event {verdict.first_bad_seq}: {verdict.reason}",
                markup=False,
            )
        raise typer.Exit(EXIT_FAILED)


@audit_app.command("export")
@handle_errors
def audit_export_cmd(
    ctx: typer.Context,
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    name: str | None = typer.Option(None, "--model", help="Only this model's events."),
) -> None:
    """Write the audit log as JSON Lines for a compliance archive.

    \b
    Example:
      charter audit export -o audit-2025.jsonl
    """
    from charter.governance import export_audit

    with _store(ctx) as store:
        if output is None:
            export_audit(store, sys.stdout, model_name=name)
            return
        with output.open("w", encoding="utf-8") as handle:
            count = export_audit(store, handle, model_name=name)
    err_console.print(f"wrote {count} events to {output}", markup=False)


# --- webhooks --------------------------------------------------------------------------------
webhooks_app = typer.Typer(help="Signed webhooks for registry events.", no_args_is_help=True)


@webhooks_app.command("add")
@handle_errors
def webhooks_add(
    ctx: typer.Context,
    url: str = typer.Argument(..., metavar="URL"),
    events: list[str] = typer.Option(
        ["*"], "--event", "-e", help="An event to send (repeat); * for all."
    ),
    secret_env: str = typer.Option(
        "", "--secret-env", help="Env var holding the HMAC secret (default CHARTER_WEBHOOK_SECRET)."
    ),
    by: str | None = _BY,
    as_json: bool = _JSON,
) -> None:
    """Send registry events to URL as JSON, signed in X-Charter-Signature (HMAC-SHA256).

    \b
    Example:
      charter webhooks add https://ci.example/hook -e version.promoted --secret-env HOOK_SECRET
    """
    from charter.governance import add_webhook

    with _store(ctx) as store:
        hook = add_webhook(
            store, url, by=_who(ctx, by), events=tuple(events), secret_env=secret_env
        )
    if as_json:
        print_json(_record(hook))
    else:
        console.print(f"webhook {hook.id} → {hook.url} ({', '.join(hook.events)})")


@webhooks_app.command("list")
@handle_errors
def webhooks_list(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """List webhooks.

    \b
    Example:
      charter webhooks list
    """
    with _store(ctx) as store:
        hooks = store.list_webhooks()
    if as_json:
        print_json([_record(h) for h in hooks])
        return
    rows = [[str(h.id), h.url, ", ".join(h.events), h.secret_env or "(inline)"] for h in hooks]
    _print_table("Webhooks", ["id", "url", "events", "secret"], rows)


@webhooks_app.command("remove")
@handle_errors
def webhooks_remove(
    ctx: typer.Context, webhook_id: int = typer.Argument(..., metavar="ID"), by: str | None = _BY
) -> None:
    """Remove a webhook.

    \b
    Example:
      charter webhooks remove 2
    """
    with _store(ctx) as store:
        store.remove_webhook(webhook_id, actor=_who(ctx, by))
    console.print(f"webhook {webhook_id} removed")


@webhooks_app.command("deliveries")
@handle_errors
def webhooks_deliveries(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """Show delivery outcomes, failures included.

    \b
    Example:
      charter webhooks deliveries --json
    """
    with _store(ctx) as store:
        deliveries = store.list_deliveries()
    if as_json:
        print_json([_record(d) for d in deliveries])
        return
    rows = [
        [
            str(d.webhook_id),
            d.action,
            d.status,
            str(d.attempts),
            str(d.response_status or ""),
            d.error,
        ]
        for d in deliveries
    ]
    _print_table(
        "Webhook deliveries", ["webhook", "event", "status", "attempts", "HTTP", "error"], rows
    )


def _print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the governance commands and groups to the ``charter`` app."""
    for name, command in (
        ("approve", approve_cmd),
        ("reject", reject_cmd),
        ("promote", promote_cmd),
        ("rollback", rollback_cmd),
        ("archive", archive_cmd),
        ("card", card_cmd),
    ):
        app.command(name)(command)
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(webhooks_app, name="webhooks")
