"""Rows against the charter: which rows a model may score, and why the others may not.

Serving answers a bad request with every offending field and rule; batch scoring writes each bad
row to a reject file with its reason; the gate counts violations in a holdout. All three call
``validate_frame``: one vectorised pass per feature, reasons built only for the rows that fail.

Rules per feature (``FeatureSpec``):

- absent column: every row fails ``required`` unless the feature is ``nullable``;
- missing value (None, NaN, empty string): fails ``required`` unless ``nullable``;
- integer / number: must parse as a finite number (``type``, ``finite``); integers must be whole
  (``integer``); ``min`` / ``max`` bound the value (``min``, ``max``);
- boolean: true/false, 1/0, yes/no (``type``);
- category: with ``categories`` listed, other values follow ``unseen``: ``reject`` fails the row
  (``unseen``), ``map_to_other`` replaces the value by ``OTHER_CATEGORY``, ``allow`` passes it on;
- datetime: must parse (``type``); string: anything, as text.

Messages never contain values of identifier columns: only features are checked here, and the
caller decides whether a value may be echoed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

__all__ = ["OTHER_CATEGORY", "FieldIssue", "SchemaCheck", "validate_frame"]

OTHER_CATEGORY = "__other__"
"""The value an unseen category becomes under ``unseen: map_to_other``."""

_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})
_SHOWN_VALUE_CHARS = 40


class _FeatureSpec(Protocol):
    @property
    def type(self) -> Any: ...
    @property
    def nullable(self) -> bool: ...
    @property
    def min(self) -> float | None: ...
    @property
    def max(self) -> float | None: ...
    @property
    def categories(self) -> list[str] | None: ...
    @property
    def unseen(self) -> str: ...


@dataclass(frozen=True)
class FieldIssue:
    """One rule one field of one row breaks."""

    row: int
    field: str
    rule: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class SchemaCheck:
    """The outcome of checking a frame: the cleaned features, which rows pass, and why not."""

    frame: pd.DataFrame
    valid: np.ndarray
    issues: tuple[FieldIssue, ...]
    unseen_counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.valid)

    @property
    def n_rejected(self) -> int:
        return int((~self.valid).sum())

    @property
    def is_valid(self) -> bool:
        return bool(self.valid.all())

    def reasons(self) -> list[str]:
        """One text per row: empty for valid rows, ``field: message; …`` for the others."""
        by_row: dict[int, list[str]] = {}
        for issue in self.issues:
            by_row.setdefault(issue.row, []).append(f"{issue.field}: {issue.message}")
        return ["; ".join(by_row.get(i, [])) for i in range(self.n_rows)]

    def issues_of(self, row: int) -> list[FieldIssue]:
        return [issue for issue in self.issues if issue.row == row]


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def _is_missing(series: pd.Series) -> np.ndarray:
    missing = np.array(series.isna().to_numpy(), dtype=bool)  # a writable copy
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        blank = series.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        missing |= blank
    elif series.dtype == object:
        as_text = series.to_numpy(dtype=object)
        missing |= np.array([isinstance(v, str) and not v.strip() for v in as_text], dtype=bool)
    return missing


class _Collector:
    """Accumulates issues and the row mask for one frame."""

    def __init__(self, n_rows: int) -> None:
        self.valid = np.ones(n_rows, dtype=bool)
        self.issues: list[FieldIssue] = []

    def fail(
        self, mask: np.ndarray, name: str, rule: str, message: Any, values: pd.Series | None = None
    ) -> None:
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return
        self.valid[rows] = False
        for row in rows:
            text = (
                message(values.iloc[row]) if callable(message) and values is not None else message
            )
            self.issues.append(FieldIssue(int(row), name, rule, str(text)))


def _numeric(
    name: str, spec: _FeatureSpec, raw: pd.Series, present: np.ndarray, out: _Collector
) -> pd.Series:
    kind = str(getattr(spec.type, "value", spec.type))
    if pd.api.types.is_bool_dtype(raw.dtype):
        numbers = raw.astype(float)
        out.fail(present, name, "type", lambda v: f"expected a number, got {_shown(v)}", raw)
    else:
        numbers = pd.to_numeric(raw, errors="coerce").astype(float)
        unparsed = present & numbers.isna().to_numpy()
        out.fail(unparsed, name, "type", lambda v: f"expected a number, got {_shown(v)}", raw)
    values = numbers.to_numpy()
    ok = present & ~np.isnan(values)
    infinite = ok & np.isinf(values)
    out.fail(infinite, name, "finite", "must be a finite number")
    ok &= ~infinite
    if kind == "integer":
        fractional = ok & (np.floor(values) != values)
        out.fail(fractional, name, "integer", lambda v: f"must be a whole number, got {v}", numbers)
    if spec.min is not None:
        low = ok & (values < spec.min)
        out.fail(low, name, "min", lambda v: f"must be ≥ {spec.min:g}, got {v:g}", numbers)
    if spec.max is not None:
        high = ok & (values > spec.max)
        out.fail(high, name, "max", lambda v: f"must be ≤ {spec.max:g}, got {v:g}", numbers)
    return numbers


def _boolean(name: str, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    text = raw.astype(object).map(lambda v: str(v).strip().lower() if v is not None else "")
    truthy = text.isin(_TRUE).to_numpy()
    falsy = text.isin(_FALSE).to_numpy()
    out.fail(
        present & ~(truthy | falsy),
        name,
        "type",
        lambda v: f"expected true or false, got {_shown(v)}",
        raw,
    )
    values = np.full(len(raw), None, dtype=object)
    values[truthy] = True
    values[falsy] = False
    return pd.Series(values, index=raw.index, dtype=object)


def _category(
    name: str, spec: _FeatureSpec, raw: pd.Series, present: np.ndarray, out: _Collector
) -> tuple[pd.Series, int]:
    text = _as_text(raw, present)
    if spec.categories is None:
        return text, 0
    known = text.isin(spec.categories).to_numpy()
    unseen = present & ~known
    count = int(unseen.sum())
    policy = str(spec.unseen)
    if policy == "reject":
        allowed = ", ".join(spec.categories[:8]) + (", …" if len(spec.categories) > 8 else "")
        out.fail(
            unseen,
            name,
            "unseen",
            lambda v: f"unknown category {_shown(v)} (expected one of {allowed})",
            text,
        )
    elif policy == "map_to_other":
        text = text.where(~unseen, OTHER_CATEGORY)
    return text, count


def _as_text(raw: pd.Series, present: np.ndarray) -> pd.Series:
    """Object-dtype text with None for missing (pandas 3 would otherwise infer ``str``)."""
    values = np.full(len(raw), None, dtype=object)
    given = raw.to_numpy(dtype=object)[present]
    values[present] = [v if isinstance(v, str) else str(v) for v in given]
    return pd.Series(values, index=raw.index, dtype=object)


def _datetime(name: str, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    parsed = pd.to_datetime(raw, errors="coerce", utc=True)
    out.fail(
        present & parsed.isna().to_numpy(),
        name,
        "type",
        lambda v: f"expected a date-time, got {_shown(v)}",
        raw,
    )
    return parsed


def validate_frame(frame: pd.DataFrame, features: Mapping[str, _FeatureSpec]) -> SchemaCheck:
    """Check every row of ``frame`` against the charter's ``features``.

    Returns the features alone, in charter order, typed (numbers as float64, categories and
    strings as object with None for missing, booleans as object, datetimes as UTC timestamps),
    with ``unseen: map_to_other`` applied; ``valid`` marks rows that break no rule.
    """
    n_rows = len(frame)
    out = _Collector(n_rows)
    columns: dict[str, pd.Series] = {}
    unseen_counts: dict[str, int] = {}
    index = pd.RangeIndex(n_rows)
    for name, spec in features.items():
        kind = str(getattr(spec.type, "value", spec.type))
        if name not in frame.columns:
            if not spec.nullable:
                out.fail(np.ones(n_rows, dtype=bool), name, "required", "required field is missing")
            columns[name] = pd.Series([None] * n_rows, index=index, dtype=object)
            continue
        raw = frame[name].reset_index(drop=True)
        missing = _is_missing(raw)
        if not spec.nullable:
            out.fail(missing, name, "required", "required field is missing")
        present = ~missing
        if kind in ("integer", "number"):
            columns[name] = _numeric(name, spec, raw, present, out)
        elif kind == "boolean":
            columns[name] = _boolean(name, raw, present, out)
        elif kind == "category":
            columns[name], unseen_counts[name] = _category(name, spec, raw, present, out)
        elif kind == "datetime":
            columns[name] = _datetime(name, raw, present, out)
        else:
            columns[name] = (
                raw.astype(object).where(present, None).map(lambda v: v if v is None else str(v))
            )
    clean = pd.DataFrame(columns, index=index)
    out.issues.sort(key=lambda issue: issue.row)
    return SchemaCheck(clean, out.valid, tuple(out.issues), unseen_counts)
