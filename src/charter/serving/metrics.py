"""A small Prometheus registry: counters, gauges and histograms with labels, text exposition.

Written here rather than taken from ``prometheus_client`` to keep the hot path to a dict lookup
and a lock, and the server free of a dependency. Each worker process counts in memory; with
several workers (``charter serve --workers N``) a registry made with ``share_dir`` also writes its
numbers to a file there and ``exposition()`` answers with the totals of every worker's file (see
``metrics_store``), so a scrape is exact whichever worker answers it.
"""

from __future__ import annotations

import abc
import bisect
import os
import threading
from collections.abc import Sequence
from typing import Any

from charter.serving.metrics_store import Snapshot, WorkerFile

__all__ = ["LATENCY_BUCKETS", "Counter", "Gauge", "Histogram", "MetricsRegistry"]

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Metric(abc.ABC):
    kind = "untyped"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.label_names = tuple(labels)
        self._lock = threading.Lock()

    def _header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    @abc.abstractmethod
    def render(self) -> list[str]:
        """The metric's lines in the text format."""

    @abc.abstractmethod
    def dump(self) -> list[list[Any]]:
        """The metric's series as JSON values: ``[[label values…], value], …``."""

    @abc.abstractmethod
    def merge(self, series: list[list[Any]]) -> None:
        """Add series from another process's ``dump()`` to this metric's."""


class Counter(_Metric):
    """A value that only goes up."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[tuple[str, ...], float] = {}

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, *labels: str) -> float:
        return self._values.get(labels, 0.0)

    def render(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        lines = self._header()
        lines += [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]
        return lines

    def dump(self) -> list[list[Any]]:
        with self._lock:
            return [[list(k), v] for k, v in self._values.items()]

    def merge(self, series: list[list[Any]]) -> None:
        with self._lock:
            for labels, value in series:
                key = tuple(str(x) for x in labels)
                self._values[key] = self._values.get(key, 0.0) + float(value)


class Gauge(Counter):
    """A value that goes up and down."""

    kind = "gauge"

    def dec(self, *labels: str, amount: float = 1.0) -> None:
        self.inc(*labels, amount=-amount)

    def set(self, *labels: str, value: float) -> None:
        with self._lock:
            self._values[labels] = value


class Histogram(_Metric):
    """Observations counted into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets))
        self._series: dict[tuple[str, ...], list[float]] = {}  # bucket counts…, sum, count

    def observe(self, value: float, *labels: str) -> None:
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            series = self._series.get(labels)
            if series is None:
                series = self._series[labels] = [0.0] * (len(self.buckets) + 2)
            if index < len(self.buckets):
                series[index] += 1
            series[-2] += value
            series[-1] += 1

    def count(self, *labels: str) -> float:
        series = self._series.get(labels)
        return series[-1] if series else 0.0

    def render(self) -> list[str]:
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        lines = self._header()
        for key, series in items:
            cumulative = 0.0
            for bound, count in zip(self.buckets, series, strict=False):
                cumulative += count
                le = _labels(self.label_names, key, f'le="{_number(bound)}"')
                lines.append(f"{self.name}_bucket{le} {_number(cumulative)}")
            inf = _labels(self.label_names, key, 'le="+Inf"')
            lines.append(f"{self.name}_bucket{inf} {_number(series[-1])}")
            base = _labels(self.label_names, key)
            lines.append(f"{self.name}_sum{base} {_number(series[-2])}")
            lines.append(f"{self.name}_count{base} {_number(series[-1])}")
        return lines

    def dump(self) -> list[list[Any]]:
        with self._lock:
            return [[list(k), list(v)] for k, v in self._series.items()]

    def merge(self, series: list[list[Any]]) -> None:
        size = len(self.buckets) + 2
        with self._lock:
            for labels, values in series:
                if len(values) != size:  # other buckets: written by another version of Charter
                    continue
                key = tuple(str(x) for x in labels)
                mine = self._series.setdefault(key, [0.0] * size)
                for i, value in enumerate(values):
                    mine[i] += float(value)


class MetricsRegistry:
    """The serving metrics, rendered in the Prometheus text format (version 0.0.4).

    ``share_dir``: the directory the server's workers share (``CHARTER_METRICS_DIR``); None for
    a single process.
    """

    content_type = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self, share_dir: str | os.PathLike[str] | None = None) -> None:
        self._file = WorkerFile(share_dir) if share_dir is not None else None
        self.requests = Counter(
            "charter_requests_total",
            "Inference requests answered, by model, version, protocol and status code.",
            ("model", "version", "protocol", "status"),
        )
        self.errors = Counter(
            "charter_errors_total", "Requests refused or failed, by error kind.", ("kind",)
        )
        self.latency = Histogram(
            "charter_request_duration_seconds",
            "Time to answer an inference request, by model and version.",
            ("model", "version"),
        )
        self.in_flight = Gauge("charter_in_flight_requests", "Inference requests in progress.")
        self.rows = Counter(
            "charter_rows_scored_total",
            "Rows scored, by model, version and source.",
            ("model", "version", "source"),
        )
        self.logged = Counter(
            "charter_predictions_logged_total", "Prediction records written to the spool."
        )
        self.shadow_failures = Counter(
            "charter_shadow_failures_total",
            "Shadow runs that failed (never affects answers).",
            ("model",),
        )
        self.shadow_dropped = Counter(
            "charter_shadow_dropped_total",
            "Shadow copies dropped because too many were pending.",
            ("model",),
        )
        self.swaps = Counter(
            "charter_deployment_swaps_total",
            "Routing changes picked up from the registry.",
            ("model",),
        )
        self.batches = Histogram(
            "charter_batch_rows",
            "Rows per adaptive batch.",
            (),
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
        )
        self._all: list[_Metric] = [
            self.requests, self.errors, self.latency, self.in_flight, self.rows, self.logged,
            self.shadow_failures, self.shadow_dropped, self.swaps, self.batches,
        ]  # fmt: skip

    @property
    def shared(self) -> bool:
        """Whether this registry writes to and reads from a directory shared by workers."""
        return self._file is not None

    def render(self) -> str:
        """This process's numbers in the text format."""
        lines: list[str] = []
        for metric in self._all:
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"

    def snapshot(self) -> Snapshot:
        """Every metric's series, as JSON values (what a worker writes to its file)."""
        return {metric.name: metric.dump() for metric in self._all}

    def merge(self, snapshot: Snapshot, *, gauges: bool = True) -> None:
        """Add another process's ``snapshot()``; its gauges only when ``gauges`` (it still runs)."""
        for metric in self._all:
            series = snapshot.get(metric.name)
            if series and (gauges or not isinstance(metric, Gauge)):
                metric.merge(series)

    def flush(self) -> None:
        """Write this worker's numbers to its file (no-op for a single process)."""
        if self._file is not None:
            self._file.write(self.snapshot)

    def exposition(self) -> str:
        """What ``GET /metrics`` answers: every worker's totals when shared, else ``render()``.

        Reads files: call it off the event loop when ``shared``.
        """
        if self._file is None:
            return self.render()
        total = MetricsRegistry()
        total.merge(self._file.write(self.snapshot))  # written first: what a scrape shows is kept
        for snapshot, running in self._file.others():
            total.merge(snapshot, gauges=running)
        return total.render()
