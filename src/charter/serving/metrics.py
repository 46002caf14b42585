"""A small Prometheus registry: counters, gauges and histograms with labels, text exposition.

Written here rather than taken from ``prometheus_client`` to keep the hot path to a dict lookup
and a lock, and the server free of a dependency. Each worker process keeps its own numbers (a
scraper sees the worker that answered); run one worker per container to scrape exactly.
"""

from __future__ import annotations

import abc
import bisect
import threading
from collections.abc import Sequence

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


class MetricsRegistry:
    """The serving metrics, rendered in the Prometheus text format (version 0.0.4)."""

    content_type = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self) -> None:
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

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._all:
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"
