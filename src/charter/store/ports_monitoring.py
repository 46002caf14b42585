"""The monitoring part of the registry port: per-window figures and delayed ground-truth labels.

Every figure ``charter monitor`` computes is one ``MonitoringPoint`` keyed by (model, version,
window start, metric): recording a window again replaces its points, never duplicates them.
Labels are keyed by (model, request id): ingesting the same label twice changes nothing, and a
different label for a known id replaces the old one (a correction).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["MonitoringPoint", "MonitoringPort", "StoredLabel"]


@dataclass(frozen=True)
class MonitoringPoint:
    """One figure of one window: ``value`` is None when the window had nothing to judge."""

    model: str
    version: int
    window_start: datetime
    window_end: datetime
    metric: str
    value: float | None
    status: str
    computed_at: datetime | None = None


@dataclass(frozen=True)
class StoredLabel:
    """The ground truth of one logged prediction."""

    request_id: str
    label: str
    received_at: datetime


class MonitoringPort(abc.ABC):
    """Time series of monitoring figures and the labels that realized performance joins on."""

    @abc.abstractmethod
    def record_points(self, points: Sequence[MonitoringPoint]) -> int:
        """Insert or replace the points (same model, version, window start and metric).

        Returns how many were written. Raise ``NotFoundError`` for an unknown model and
        ``DataError`` for a non-finite value.
        """

    @abc.abstractmethod
    def list_points(
        self, name: str, metric: str | None = None, since: datetime | None = None
    ) -> list[MonitoringPoint]:
        """Points of a model (optionally one metric, windows starting at or after ``since``),
        ordered by window start, version and metric."""

    @abc.abstractmethod
    def ingest_labels(self, name: str, pairs: Iterable[tuple[str, str]]) -> tuple[int, int]:
        """Store ``(request_id, label)`` pairs; returns ``(new, updated)``.

        An identical label already stored counts as neither; the last pair wins for an id given
        twice in one call.
        """

    @abc.abstractmethod
    def labels_for(self, name: str, request_ids: Iterable[str]) -> dict[str, StoredLabel]:
        """The stored labels of those request ids (ids without a label are absent)."""
