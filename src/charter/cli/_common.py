"""What every command shares: the consoles, JSON output, settings and the one error handler.

Exit codes fit CI: 0 success, 1 a check or gate that ran and failed, 2 bad input or an error
that stopped the command (any ``CharterError``). No command ever prints a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from charter.config import Settings
from charter.errors import CharterError, ContractError, DataError

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_OK",
    "console",
    "err_console",
    "handle_errors",
    "print_json",
    "settings_from_context",
    "to_jsonable",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def to_jsonable(value: Any) -> Any:
    """Turn records, paths and datetimes into plain JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return to_jsonable(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def parse_moment(value: str | None, option: str) -> datetime | None:
    """An ISO date or time from an option (``Z`` accepted); a naive one is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(
            f"{option} must be an ISO date or time, e.g. 2026-03-01; got {value!r}"
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def print_json(value: Any) -> None:
    """Write one JSON document to stdout (no Rich markup, no wrapping)."""
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def settings_from_context(ctx: typer.Context) -> Settings:
    """The settings resolved by the top-level callback (``--home`` and ``CHARTER_*``)."""
    root = ctx.find_root()
    settings = root.obj.get("settings") if isinstance(root.obj, dict) else None
    if isinstance(settings, Settings):
        return settings
    return Settings.from_env()


def _report_error(exc: CharterError, *, as_json: bool) -> None:
    if as_json:
        print_json(exc.to_dict())
        return
    err_console.print(f"[bold red]{exc.code}[/]: {exc.message}", markup=True, highlight=False)
    if isinstance(exc, ContractError):
        for issue in exc.issues:
            colour = "red" if issue.severity == "error" else "yellow"
            err_console.print(f"  [{colour}]•[/] {issue}", markup=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Catch ``CharterError`` once: print ``code: message`` (or JSON) and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CharterError as exc:
            _report_error(exc, as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper
