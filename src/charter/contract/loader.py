"""Load ``charter.yaml`` and report every problem at once, each with its dotted path and line.

Three sources of issues are merged: the YAML itself (syntax, duplicate keys), the schema
(Pydantic errors translated into plain words) and the cross-section rules, which run on the raw
mapping so a file with a typo elsewhere still learns its horizon is shorter than its lead time.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from charter.contract.base import RULE_ERROR, SpecModel
from charter.contract.entrypoint import entrypoint_problem
from charter.contract.rules import SKIP_RULES, check_rules, dotted_path
from charter.contract.spec import Charter
from charter.contract.yamlmap import KeyPath, YamlSyntaxError, line_of, load_yaml
from charter.errors import ContractError, ContractIssue

__all__ = ["CheckResult", "check_charter", "evaluate_charter", "load_charter", "parse_charter"]

MAX_CHARTER_BYTES = 1024 * 1024  # a charter is a small text file; refuse anything far larger
_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass(frozen=True)
class CheckResult:
    """What ``check_charter`` found: the charter when it has no errors, and every issue."""

    charter: Charter | None
    issues: tuple[ContractIssue, ...]

    @property
    def errors(self) -> tuple[ContractIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[ContractIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def is_ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _yaml_path(loc: tuple[str | int, ...], data: Any) -> KeyPath:
    """Map a Pydantic ``loc`` onto the keys written in YAML.

    A segment absent from the file is dropped when the next one is present at the same level:
    that removes union tags and the ``metrics`` level that fairness writes inline.
    """
    out: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        if part == "[key]":
            continue
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        next_is_present = (
            position + 1 < len(loc) and isinstance(node, dict) and loc[position + 1] in node
        )
        if not present and next_is_present:
            continue
        out.append(str(part) if isinstance(node, dict) else part)
        node = node[part] if present and isinstance(node, dict | list) else None  # type: ignore[index]
    return tuple(out)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated``, ``| None`` and containers down to the model class they hold."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else None
        else:
            return annotation


def _section_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys accepted where ``loc`` points (for did-you-mean on unknown keys)."""
    current: Any = Charter
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif origin in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, SpecModel):
        return current.yaml_keys()
    return []


def _message(error: ErrorDetails) -> str:
    kind, msg, value = error["type"], error["msg"], error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    loc = tuple(error["loc"])
    if kind == RULE_ERROR:
        return str(ctx.get("message", msg))
    if kind == "missing":
        return f"missing required key '{loc[-1]}'" if loc else "missing required key"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        choices = _section_keys(tuple(p for p in loc[:-1] if p != "[key]"))
        close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
        if close:
            return f"unknown key '{key}' (did you mean '{close[0]}'?)"
        return f"unknown key '{key}'" + (
            f"; expected one of: {', '.join(choices)}" if choices else ""
        )
    for prefix in _PREFIXES:
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"list at least {count} item{'s' * (count != 1)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys; got {_describe(value)}"
    if loc == ("charter",) and kind == "literal_error":
        return f"unsupported charter format version {_describe(value)}; this Charter reads 1"
    msg = msg.replace("Input should be a valid", "expected a", 1).replace(
        "Input should be", "expected", 1
    )
    hint = ""
    if kind == "literal_error" and isinstance(value, str):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
    if loc and loc[-1] == "[key]":
        return f"key {_describe(value)}: {msg}"
    return f"{msg}; got {_describe(value)}{hint}"


def _schema_issues(
    errors: Iterable[ErrorDetails], data: Any, lines: dict[KeyPath, int]
) -> list[ContractIssue]:
    issues = []
    for error in errors:
        path = _yaml_path(tuple(error["loc"]), data)
        at = (error.get("ctx") or {}).get("at") if error["type"] == RULE_ERROR else None
        if at:
            path = (*path, at)
        issues.append(ContractIssue(dotted_path(path), _message(error), line_of(path, lines)))
    return issues


def _file_issue(message: str, line: int | None = None) -> ContractIssue:
    return ContractIssue("", message, line)


def evaluate_charter(
    text: str, *, base_dir: Path | None = None, check_entrypoint: bool = False
) -> CheckResult:
    """Parse and check charter ``text``; every problem becomes an issue, nothing raises."""
    try:
        document = load_yaml(text)
    except YamlSyntaxError as exc:
        return CheckResult(None, (_file_issue(exc.message, exc.line),))
    data, lines = document.data, document.lines
    if data is None:
        return CheckResult(
            None, (_file_issue("the file is empty; a charter starts with 'charter: 1'"),)
        )
    if not isinstance(data, dict):
        return CheckResult(
            None,
            (
                _file_issue(
                    f"the top level must be a mapping of sections (charter, model, owner, ...); "
                    f"got {_describe(data)}",
                    1,
                ),
            ),
        )
    issues = [
        ContractIssue(
            dotted_path(dup.path),
            f"duplicate key '{dup.path[-1]}' (first written at line {dup.first_line}); "
            "YAML would silently keep only the last one",
            dup.line,
        )
        for dup in document.duplicates
    ]
    charter: Charter | None = None
    try:
        charter = Charter.model_validate(data, context={SKIP_RULES: True})
    except ValidationError as exc:
        issues.extend(_schema_issues(exc.errors(), data, lines))
    for rule in check_rules(data):
        issues.append(
            ContractIssue(
                dotted_path(rule.path), rule.message, line_of(rule.path, lines), rule.severity
            )
        )
    if charter is not None and check_entrypoint and charter.retraining is not None:
        problem = entrypoint_problem(charter.retraining.entrypoint, base_dir)
        if problem:
            path = ("retraining", "entrypoint")
            issues.append(ContractIssue(dotted_path(path), problem, line_of(path, lines)))
    unique = list(dict.fromkeys(issues))
    unique.sort(key=lambda i: (i.line is None, i.line or 0))
    final = tuple(unique)
    has_errors = any(i.severity == "error" for i in final)
    return CheckResult(None if has_errors else charter, final)


def _read(path: str | Path) -> str:
    """The text of ``path``; anything that stops reading is a ``ContractError`` naming the path."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_CHARTER_BYTES:
            raise ContractError(f"{file} is larger than 1 MiB; a charter is a small text file")
        raw = file.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ContractError(f"cannot read {file}: {reason}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContractError(f"cannot read {file}: it is not UTF-8 text") from None


def _raise_on_errors(result: CheckResult, source: str) -> Charter:
    errors = result.errors
    if errors or result.charter is None:
        count = len(errors)
        raise ContractError(f"{source} has {count} error{'s' if count != 1 else ''}", errors)
    return result.charter


def check_charter(path: str | Path, *, check_entrypoint: bool = True) -> CheckResult:
    """Check the charter at ``path``; a bad charter is a result, an unreadable file raises.

    Raises ``ContractError`` only when the file cannot be read (missing, a folder, not UTF-8).
    """
    text = _read(path)
    return evaluate_charter(
        text, base_dir=Path(path).resolve().parent, check_entrypoint=check_entrypoint
    )


def parse_charter(text: str, *, source: str = "<string>") -> Charter:
    """Parse charter YAML ``text``; raises ``ContractError`` listing every error."""
    return _raise_on_errors(evaluate_charter(text), source)


def load_charter(path: str | Path, *, check_entrypoint: bool = False) -> Charter:
    """Load the charter at ``path``; raises ``ContractError`` listing every error.

    Warnings do not stop loading; use ``check_charter`` to see them.
    """
    text = _read(path)
    result = evaluate_charter(
        text, base_dir=Path(path).resolve().parent, check_entrypoint=check_entrypoint
    )
    return _raise_on_errors(result, Path(path).name)
