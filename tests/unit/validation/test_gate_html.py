"""The HTML report: self-contained (no script, no external URL), verdict table before the plots."""

from __future__ import annotations

import json
import re
from pathlib import Path

from charter.reports import render_gate_html, write_gate_report
from charter.reports.svg import Bar, Series, bar_chart, line_chart
from charter.validation import CheckResult, GateReport


def _report() -> GateReport:
    checks = (
        CheckResult("roc_auc", "performance", "pass", 0.91, ">= 0.85", "roc_auc 0.9100 meets"),
        CheckResult(
            "demographic_parity_ratio[sex]",
            "fairness",
            "fail",
            0.3,
            ">= 0.8",
            "below the floor <script>",
            {"by": ["sex"]},
        ),
        CheckResult(
            "explainability.max_feature_share", "explainability", "pass", 0.4, "share <= 0.6"
        ),
    )
    plots = {
        "metrics": {"roc_auc": 0.91, "brier": None},
        "curves": {
            "roc": {"x": [0, 0.5, 1], "y": [0, 0.8, 1]},
            "pr": {"x": [0, 1], "y": [1, 0.3]},
            "positive_rate": 0.24,
        },
        "calibration": {
            "ece": 0.02,
            "bins": [
                {"mean_score": 0.1, "fraction_positive": 0.12},
                {"mean_score": 0.8, "fraction_positive": 0.75},
            ],
        },
        "fairness": {
            "sex": {
                "groups": [
                    {
                        "group": "Female",
                        "n": 900,
                        "selection_rate": 0.08,
                        "tpr": 0.5,
                        "is_small": False,
                    },
                    {
                        "group": "Male",
                        "n": 2000,
                        "selection_rate": 0.25,
                        "tpr": 0.6,
                        "is_small": False,
                    },
                ]
            }
        },
        "importance": {
            "metric": "roc_auc",
            "features": [{"feature": "age", "share": 0.4}, {"feature": "education", "share": 0.6}],
        },
        "reason_codes": {
            "method": "occlusion",
            "output": "score",
            "top": 2,
            "examples": [
                {
                    "row": 1,
                    "score": 0.7,
                    "reasons": [{"feature": "age", "contribution": 0.1, "value": 40}],
                }
            ],
        },
    }
    return GateReport("adult", 2, "cd" * 32, checks, data={"rows": 3000}, plots=plots)


def test_the_page_is_self_contained_and_puts_verdicts_first(tmp_path: Path) -> None:
    html = render_gate_html(_report())
    assert "<script" not in html.lower()  # the reason's "<script>" is escaped
    assert "&lt;script&gt;" in html
    urls = set(re.findall(r"https?://[^\"' )]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert "<link" not in html and "@import" not in html
    assert html.index("Verdicts") < html.index("<svg")
    for title in (
        "ROC curve",
        "Precision-recall",
        "Calibration",
        "selection rate by sex",
        "Permutation importance",
        "Reason codes",
    ):
        assert title in html, title
    assert "ratio floor 0.8" in html  # the threshold marker on the group bars
    paths = write_gate_report(_report(), tmp_path / "r.html", tmp_path / "r.json")
    assert [p.name for p in paths] == ["r.html", "r.json"]
    assert json.loads((tmp_path / "r.json").read_text())["status"] == "fail"


def test_svg_charts_escape_text_and_mark_thresholds() -> None:
    line = line_chart(
        [Series("a<b", [0, 1], [0, 1])], title="t&t", x_label="x", y_label="y", diagonal=True
    )
    assert line.startswith("<svg") and "a&lt;b" in line and "t&amp;t" in line and "<line" in line
    bars = bar_chart([Bar("g", 0.5)], title="bars", thresholds={"limit": 0.6})
    assert 'class="mark"' in bars and "limit" in bars
