"""One logged prediction, and its JSON Lines form in the spool.

A record carries the inputs *after* the charter's PII policy: nothing that reaches this module may
hold an identifier in clear unless the charter says ``log: keep``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from charter.errors import DataError

__all__ = ["SOURCES", "PredictionRecord", "Source", "plain"]

Source = Literal["served", "shadow", "canary", "batch", "error"]
SOURCES = frozenset({"served", "shadow", "canary", "batch", "error"})


def plain(value: Any) -> Any:
    """A JSON-safe value: NumPy scalars unwrapped, NaN and infinities as null."""
    item = getattr(value, "item", None)
    if item is not None and callable(item) and not isinstance(value, str | bytes):
        try:
            value = item()
        except (TypeError, ValueError):
            value = str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass(frozen=True)
class PredictionRecord:
    """One answered prediction: who answered (model, version, source), what came in and out."""

    request_id: str
    model: str
    version: int
    source: Source
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    latency_ms: float | None
    at: datetime
    run_id: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise DataError(
                f"source must be one of {', '.join(sorted(SOURCES))}; got {self.source!r}"
            )
        if self.at.tzinfo is None:
            raise DataError("at must be an aware datetime (with a time zone)")

    def to_json(self) -> str:
        """One line of the spool (no trailing newline)."""
        return json.dumps(
            {
                "request_id": self.request_id,
                "model": self.model,
                "version": int(self.version),
                "source": self.source,
                "inputs": plain(self.inputs),
                "outputs": plain(self.outputs),
                "latency_ms": None if self.latency_ms is None else float(self.latency_ms),
                "at": self.at.astimezone(UTC).isoformat(),
                "run_id": self.run_id,
            },
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> PredictionRecord:
        """Parse one spool line written by ``to_json``."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("a spool line must be a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PredictionRecord:
        """The record of one parsed row line."""
        return cls(
            request_id=str(data["request_id"]),
            model=str(data["model"]),
            version=int(data["version"]),
            source=data["source"],
            inputs=dict(data.get("inputs") or {}),
            outputs=dict(data.get("outputs") or {}),
            latency_ms=data.get("latency_ms"),
            at=datetime.fromisoformat(data["at"]),
            run_id=data.get("run_id"),
        )
