"""The reference lines of the monitoring charts: what the charter and its policies say per metric.

All dashed and labelled with their source:

- drift: ``monitoring.drift`` warn/alert for PSI, the method's documented default for the other
  distances (``charter.metrics.drift.METHODS``); none for a method judged on its p-value (KS,
  chi-square) or for learned limits, where the stored status, drawn as the dot, is the verdict;
- prediction PSI: the same warn/alert (0.1 / 0.25 when the charter leaves them out);
- performance: ``monitoring.performance`` bounds; fairness: ``validation.fairness`` bounds;
- quality: ``monitoring.quality`` limits, and ``delivery.batch.max_reject_share`` for rejects;
- serving: the latency SLO (``delivery.realtime.latency_p99_ms``), the error rate's defaults
  (``charter.monitoring.health``);
- every policy whose metric is exactly the plotted one (purple).
"""

from __future__ import annotations

from typing import Any

from charter.contract import Charter
from charter.metrics.drift import METHODS
from charter.monitoring.health import ERROR_RATE_ALERT, ERROR_RATE_WARN
from charter.reports.svg import STATUS_COLOURS, Mark

__all__ = ["Thresholds"]

POLICY_COLOUR = "#8250df"
_WARN, _ALERT = STATUS_COLOURS["warn"], STATUS_COLOURS["alert"]
_PSI_WARN, _PSI_ALERT = 0.1, 0.25


def _bound_marks(bound: Any, source: str, suffix: str = "") -> list[Mark]:
    if bound is None:
        return []
    marks = []
    if bound.min is not None:
        marks.append(Mark(f"{source} min {bound.min:g}{suffix}", float(bound.min)))
    if bound.max is not None:
        marks.append(Mark(f"{source} max {bound.max:g}{suffix}", float(bound.max)))
    return marks


class Thresholds:
    """The reference lines one charter gives each metric; see the module doc."""

    def __init__(self, charter: Charter) -> None:
        self.charter = charter

    def policies(self, metric: str) -> list[Mark]:
        """One line per policy that watches exactly ``metric``."""
        marks = []
        for policy in self.charter.policies:
            if policy.metric != metric:
                continue
            if policy.above is not None:
                marks.append(
                    Mark(f"policy {policy.action} > {policy.above:g}", policy.above, POLICY_COLOUR)
                )
            elif policy.below is not None:
                marks.append(
                    Mark(f"policy {policy.action} < {policy.below:g}", policy.below, POLICY_COLOUR)
                )
        return marks

    def drift(self, method: str) -> tuple[list[Mark], str]:
        """The warn/alert lines of a drift method, and a note when it has none to draw."""
        spec = self.charter.monitoring.drift
        if spec.thresholds == "learned":
            return [], "limits are learned from the reference's own variability: dots show verdicts"
        known = METHODS.get(method)
        if known is not None and known.on == "p_value":
            return [], (
                f"{method} is judged on its p-value (alert below {known.alert:g}); the line shows "
                "the statistic and the dots the verdict"
            )
        if method == "psi":
            warn, alert, source = spec.warn, spec.alert, "charter"
        elif known is not None:
            warn, alert, source = known.warn, known.alert, "default"
        else:
            return [], ""
        marks = [Mark(f"{source} alert {alert:g}", alert, _ALERT)] if alert is not None else []
        if warn is not None:
            marks.append(Mark(f"{source} warn {warn:g}", warn, _WARN))
        return marks, ""

    def prediction(self, name: str) -> list[Mark]:
        """Prediction PSI is judged like a feature's PSI."""
        if name != "psi":
            return []
        spec = self.charter.monitoring.drift
        warn = spec.warn if spec.warn is not None else _PSI_WARN
        alert = spec.alert if spec.alert is not None else _PSI_ALERT
        return [Mark(f"alert {alert:g}", alert, _ALERT), Mark(f"warn {warn:g}", warn, _WARN)]

    def performance(self, metric: str) -> list[Mark]:
        return _bound_marks(self.charter.monitoring.performance.get(metric), "charter")

    def fairness(self, metric: str) -> list[Mark]:
        spec = self.charter.validation.fairness
        items = spec.metrics.items() if spec is not None else ()
        bound = next((b for name, b in items if name == metric), None)
        if bound is None:
            return []
        return _bound_marks(bound, "gate", f" (by {', '.join(bound.by)})")

    def quality(self, name: str) -> list[Mark]:
        limits = self.charter.monitoring.quality
        known = {
            "missing_rate_increase": ("missing rise", limits.missing_rate_increase),
            "out_of_range_rate": ("out of range", limits.out_of_range_rate),
            "unseen_rate": ("unseen", limits.unseen_category_rate),
            "unseen_category_rate": ("unseen", limits.unseen_category_rate),
        }
        batch = self.charter.delivery.batch
        if batch is not None:
            known["rejected_rate"] = ("rejected", batch.max_reject_share)
        if name not in known:
            return []
        word, value = known[name]
        return [Mark(f"{word} limit {value:g}", value, _ALERT)]

    def serving(self, name: str) -> list[Mark]:
        realtime = self.charter.delivery.realtime
        if name == "latency_p99_ms" and realtime is not None:
            return [Mark(f"SLO {realtime.latency_p99_ms:g} ms", realtime.latency_p99_ms)]
        if name == "error_rate":  # the charter has no field for it: monitoring's defaults
            return [
                Mark(f"default alert {ERROR_RATE_ALERT:g}", ERROR_RATE_ALERT, _ALERT),
                Mark(f"default warn {ERROR_RATE_WARN:g}", ERROR_RATE_WARN, _WARN),
            ]
        return []
