"""Monitoring: the prediction log, window by window, against each version's reference.

``monitor(registry, name, home=...)`` computes, per window and version, data drift per feature
(fixed or learned limits) and the share of drifted features, data quality (missing,
out-of-range and unseen-category rates, volume against the expected, rejected rows), prediction
drift, realized performance and fairness once labels arrive, serving latency and error rate,
and batch runs against their deadlines; it stores every figure as a time series under a
catalogue name (``naming``) and returns a ``MonitorResult``. ``ingest_labels`` stores ground
truth for logged predictions, joined later by request id.

Extra per-window checks plug in through ``WindowCheck`` (``checks``): that is where performance
estimated without labels (CBPE) and the multivariate domain classifier join.
"""

from __future__ import annotations

from charter.monitoring.checks import WindowCheck, WindowData, default_checks
from charter.monitoring.labels import ingest_labels
from charter.monitoring.reference import ReferenceData
from charter.monitoring.result import (
    Check,
    ExtraCheck,
    FairnessCheck,
    FeatureCheck,
    GroupRate,
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
    "Check",
    "ExtraCheck",
    "FairnessCheck",
    "FeatureCheck",
    "GroupRate",
    "LabelIngestResult",
    "MonitorResult",
    "PerformanceCheck",
    "QualityCheck",
    "ReferenceData",
    "Status",
    "Window",
    "WindowCheck",
    "WindowData",
    "WindowReport",
    "align",
    "default_checks",
    "ingest_labels",
    "monitor",
    "split_windows",
]
