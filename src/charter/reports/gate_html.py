"""The gate report as a self-contained HTML page and as JSON.

The page opens offline: CSS is inline, charts are inline SVG (``charter.reports.svg``), there is no
script and no external link. The verdict table comes first, the plots after it. The JSON file is
``GateReport.to_dict()``, the same document the registry stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from charter.reports.svg import PALETTE, Bar, Series, bar_chart, line_chart
from charter.validation import GateReport

__all__ = ["gate_context", "render_gate_html", "write_gate_report"]

_COLOURS = {"pass": "#2da44e", "warn": "#bf8700", "fail": "#d73a49", "skipped": "#8c959f"}
_TOP_FEATURES = 15


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("charter.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _curves(plots: dict[str, Any]) -> list[Markup]:
    charts: list[Markup] = []
    curves = plots.get("curves") or {}
    auc = (plots.get("metrics") or {}).get("roc_auc")
    if curves.get("roc"):
        label = f"model (AUC {auc:.3f})" if isinstance(auc, float) else "model"
        roc = Series(label, curves["roc"]["x"], curves["roc"]["y"])
        charts.append(
            Markup(
                line_chart(
                    [roc],
                    title="ROC curve",
                    x_label="false positive rate",
                    y_label="true positive rate",
                    diagonal=True,
                )
            )
        )
    if curves.get("pr"):
        base = float(curves.get("positive_rate") or 0.0)
        lines = [
            Series("model", curves["pr"]["x"], curves["pr"]["y"]),
            Series(f"base rate {base:.2f}", [0.0, 1.0], [base, base], dashed=True),
        ]
        charts.append(
            Markup(
                line_chart(lines, title="Precision-recall", x_label="recall", y_label="precision")
            )
        )
    bins = (plots.get("calibration") or {}).get("bins") or []
    if bins:
        reliability = Series(
            f"ECE {plots['calibration'].get('ece', 0):.3f}",
            [b["mean_score"] for b in bins],
            [b["fraction_positive"] for b in bins],
        )
        charts.append(
            Markup(
                line_chart(
                    [reliability],
                    title="Calibration (reliability)",
                    x_label="mean predicted probability",
                    y_label="observed positive rate",
                    diagonal=True,
                )
            )
        )
    return charts


def _fairness_markers(
    checks: list[dict[str, Any]], grouping: str, top: float, rate: str
) -> dict[str, float]:
    """Where a group's rate would break each bound on ``grouping`` (relative to the top rate)."""
    marks: dict[str, float] = {}
    for check in checks:
        details = check.get("details") or {}
        if check.get("category") != "fairness" or "&".join(details.get("by", [])) != grouping:
            continue
        name = str(check["name"]).split("[", 1)[0]
        bound = str(check.get("threshold") or "")
        number = _bound_number(bound)
        if number is None:
            continue
        if rate == "selection_rate" and name == "demographic_parity_ratio":
            marks[f"ratio floor {number:g}"] = top * number
        elif rate == "selection_rate" and name == "demographic_parity_difference":
            marks[f"difference cap {number:g}"] = max(top - number, 0.0)
        elif rate == "tpr" and name in (
            "equal_opportunity_difference",
            "equalized_odds_difference",
        ):
            marks[f"{name.split('_')[0]} cap {number:g}"] = max(top - number, 0.0)
    return marks


def _bound_number(text: str) -> float | None:
    try:
        return float(text.split()[-1])
    except (ValueError, IndexError):
        return None


def _fairness(plots: dict[str, Any], checks: list[dict[str, Any]]) -> list[Markup]:
    charts: list[Markup] = []
    for grouping, result in (plots.get("fairness") or {}).items():
        groups = result.get("groups") or []
        for rate, title in (("selection_rate", "selection rate"), ("tpr", "true positive rate")):
            values = [g for g in groups if g.get(rate) is not None]
            if not values:
                continue
            judged = [g[rate] for g in values if not g["is_small"]]
            top = max(judged) if judged else 0.0
            bars = [
                Bar(
                    str(g["group"]),
                    float(g[rate]),
                    note=f"n={g['n']}" + (" small" if g["is_small"] else ""),
                    colour=_COLOURS["skipped"] if g["is_small"] else PALETTE[0],
                )
                for g in values
            ]
            marks = _fairness_markers(checks, grouping, top, rate)
            charts.append(
                Markup(
                    bar_chart(bars, title=f"{title} by {grouping}", thresholds=marks, max_value=1.0)
                )
            )
    return charts


def _importance(plots: dict[str, Any], checks: list[dict[str, Any]]) -> Markup | None:
    importance = plots.get("importance") or {}
    features = sorted(importance.get("features") or [], key=lambda f: -(f.get("share") or 0.0))
    if not features:
        return None
    marks: dict[str, float] = {}
    for check in checks:
        if check.get("name") == "explainability.max_feature_share" and check.get("threshold"):
            limit = _bound_number(str(check["threshold"]))
            if limit is not None:
                marks[f"limit {limit:g}"] = limit
    bars = [Bar(f["feature"], float(f.get("share") or 0.0)) for f in features[:_TOP_FEATURES]]
    title = f"Permutation importance (share of {importance.get('metric', 'metric')} drop)"
    return Markup(bar_chart(bars, title=title, thresholds=marks))


def gate_context(report: GateReport | dict[str, Any]) -> dict[str, Any]:
    """What ``gate_body.html.j2`` needs: the page and the dashboard render the same content."""
    body = report.to_dict() if isinstance(report, GateReport) else report
    checks = list(body.get("checks") or [])
    plots = body.get("plots") or {}
    return {
        "report": body,
        "checks": checks,
        "colours": _COLOURS,
        "curves": _curves(plots),
        "fairness": _fairness(plots, checks),
        "importance": _importance(plots, checks),
        "reasons": plots.get("reason_codes") or {},
        "metrics": plots.get("metrics") or {},
        "json_text": json.dumps(body.get("data") or {}, indent=1),
    }


def render_gate_html(report: GateReport | dict[str, Any]) -> str:
    """The report as one HTML page (verdict table first, then the plots)."""
    return _environment().get_template("gate.html.j2").render(**gate_context(report))


def write_gate_report(
    report: GateReport | dict[str, Any],
    path_html: str | Path | None = None,
    path_json: str | Path | None = None,
) -> list[Path]:
    """Write the HTML page and/or the JSON document; returns the paths written."""
    written: list[Path] = []
    body = report.to_dict() if isinstance(report, GateReport) else report
    if path_html is not None:
        target = Path(path_html)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_gate_html(body), encoding="utf-8")
        written.append(target)
    if path_json is not None:
        target = Path(path_json)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(body, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
