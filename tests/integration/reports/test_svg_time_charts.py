"""The monitoring SVG helpers: time charts and paired bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from charter.reports.svg import Band, BarPair, Mark, TimeLine, paired_bar_chart, time_chart

DAYS = [datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=i) for i in range(4)]


def test_a_gap_breaks_the_line_and_each_value_gets_a_dot_in_words() -> None:
    line = TimeLine("psi", DAYS, [0.1, None, 0.3, 0.4], ["ok", "no_data", "alert", "alert"])
    svg = time_chart([line], title="age · psi")
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 3
    assert "psi · 2026-03-03 00:00 · 0.3 · alert</title>" in svg
    assert "xmlns" not in svg


def test_marks_at_one_value_share_a_line_and_escape_their_labels() -> None:
    marks = [Mark("policy <a> < 0.8", 0.8), Mark("policy b < 0.8", 0.8), Mark("floor", 0.5)]
    svg = time_chart([TimeLine("auc", DAYS, [0.9, 0.85, 0.8, 0.7])], title="t", marks=marks)
    assert svg.count('stroke-dasharray="5 3"') == 2
    assert "policy &lt;a&gt; &lt; 0.8; policy b &lt; 0.8" in svg


def test_a_chart_without_values_says_so() -> None:
    svg = time_chart([TimeLine("late", DAYS, [None] * 4)], title="delivery.late_minutes")
    assert "no value in these windows yet" in svg
    assert "<circle" not in svg


def test_one_window_and_a_band_still_draw() -> None:
    line = TimeLine("estimated", DAYS[:1], [0.8], ["ok"], dashed=True)
    band = Band("interval", DAYS[:1], [0.78], [0.82])
    svg = time_chart([line], title="accuracy", bands=[band])
    assert svg.count("<circle") == 1
    assert 'stroke-opacity="0.25"' in svg  # a one-window interval is a short bar
    assert "interval</text>" in svg  # the legend names the band


def test_paired_bars_write_percentages_and_escape_labels() -> None:
    svg = paired_bar_chart(
        [BarPair("<b>", 0.25, 0.5), BarPair("other", 0.75, 0.5)], title="education"
    )
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "25.0%" in svg and "50.0%" in svg and "75.0%" in svg
