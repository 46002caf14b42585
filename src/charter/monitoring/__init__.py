"""Monitoring: the prediction log, window by window, against each version's reference.

``monitor(registry, name, home=...)`` computes data drift per feature, dataset drift share, data
quality, prediction drift and realized performance per window and version, stores every figure
as a time series (``RegistryStore.record_points``) and returns a ``MonitorResult``.
``ingest_labels`` stores ground truth for logged predictions, joined later by request id.

Not here yet: performance estimated without labels (CBPE), the multivariate domain classifier,
learned thresholds, per-group (fairness) metrics over time, and the HTML report.
"""

from __future__ import annotations

from charter.monitoring.labels import ingest_labels
from charter.monitoring.result import (
    FeatureCheck,
    LabelIngestResult,
    MonitorResult,
    PerformanceCheck,
    QualityCheck,
    Status,
    WindowReport,
)
from charter.monitoring.service import monitor
from charter.monitoring.windows import Window, align, split_windows

__all__ = [
    "FeatureCheck",
    "LabelIngestResult",
    "MonitorResult",
    "PerformanceCheck",
    "QualityCheck",
    "Status",
    "Window",
    "WindowReport",
    "align",
    "ingest_labels",
    "monitor",
    "split_windows",
]
