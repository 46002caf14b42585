"""Small hand-written SVG charts, inline in the HTML report so it opens offline with no scripts.

Two shapes cover the gate's plots: ``line_chart`` (ROC, precision-recall, reliability curves)
and ``bar_chart`` (rates per group and importances, with threshold markers). Two more cover the
monitoring report: ``time_chart`` (a figure per window over time, with dashed reference lines,
an optional uncertainty band and one dot per window coloured by its status, which a ``<title>``
also names in words) and ``paired_bar_chart`` (reference vs current shares per bin or category).
Text is escaped; coordinates are rounded to keep the file small. The monitoring charts carry no
``xmlns`` attribute: inline in HTML5 it is implied, and the report then holds no URL at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

__all__ = [
    "STATUS_COLOURS",
    "Band",
    "Bar",
    "BarPair",
    "Mark",
    "Series",
    "TimeLine",
    "bar_chart",
    "line_chart",
    "paired_bar_chart",
    "time_chart",
]

PALETTE = ("#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#57606a")
STATUS_COLOURS = {"ok": "#2da44e", "warn": "#bf8700", "alert": "#d73a49", "no_data": "#8c959f"}
"""Status colours of the monitoring report; every use also writes the status in words."""
_W, _H, _PAD_L, _PAD_R, _PAD_T, _PAD_B = 360, 260, 46, 12, 28, 40


@dataclass(frozen=True)
class Series:
    """One line: its label and points."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    dashed: bool = False


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value and an optional note shown after the value."""

    label: str
    value: float
    note: str = ""
    colour: str = PALETTE[0]
    markers: dict[str, float] = field(default_factory=dict)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
) -> str:
    """Lines on the unit square (both axes 0..1), with a legend and an optional diagonal."""
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B

    def px(x: float) -> float:
        return _PAD_L + max(0.0, min(1.0, x)) * plot_w

    def py(y: float) -> float:
        return _PAD_T + (1.0 - max(0.0, min(1.0, y))) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" '
        f'height="{_H}" role="img" aria-label="{escape(title)}">',
        f'<text x="{_W / 2}" y="16" text-anchor="middle" class="t">{escape(title)}</text>',
        f'<rect x="{_PAD_L}" y="{_PAD_T}" width="{plot_w}" height="{plot_h}" class="frame"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<text x="{_fmt(px(tick))}" y="{_PAD_T + plot_h + 14}" text-anchor="middle" '
            f'class="k">{tick:g}</text>'
        )
        parts.append(
            f'<text x="{_PAD_L - 6}" y="{_fmt(py(tick) + 4)}" text-anchor="end" class="k">'
            f"{tick:g}</text>"
        )
    parts.append(
        f'<text x="{_PAD_L + plot_w / 2}" y="{_H - 6}" text-anchor="middle" class="a">'
        f"{escape(x_label)}</text>"
    )
    parts.append(
        f'<text x="12" y="{_PAD_T + plot_h / 2}" text-anchor="middle" class="a" '
        f'transform="rotate(-90 12 {_PAD_T + plot_h / 2})">{escape(y_label)}</text>'
    )
    if diagonal:
        parts.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" class="diag"/>')
    for i, line in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = " ".join(
            f"{_fmt(px(x))},{_fmt(py(y))}" for x, y in zip(line.x, line.y, strict=True)
        )
        dash = ' stroke-dasharray="4 3"' if line.dashed else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(
            f'<text x="{_PAD_L + 8}" y="{_PAD_T + 14 + 13 * i}" class="k" fill="{colour}">'
            f"{escape(line.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    thresholds: dict[str, float] | None = None,
    max_value: float | None = None,
) -> str:
    """Horizontal bars, one per label, with vertical threshold lines (``{label: value}``)."""
    marks = thresholds or {}
    top = max([max_value or 0.0, *(b.value for b in bars), *marks.values(), 1e-12])
    label_w, value_w, row_h = 150, 90, 20
    plot_w = _W + 140 - label_w - value_w
    height = _PAD_T + row_h * len(bars) + 26
    width = label_w + plot_w + value_w

    def px(value: float) -> float:
        return label_w + max(0.0, value) / top * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" class="t">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = _PAD_T + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="k">'
            f"{escape(bar.label[:24])}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{_fmt(px(bar.value) - label_w)}" '
            f'height="{row_h - 6}" fill="{bar.colour}"/>'
        )
        parts.append(
            f'<text x="{_fmt(px(bar.value) + 4)}" y="{y + 13}" class="k">'
            f"{bar.value:.3g}{escape(' ' + bar.note if bar.note else '')}</text>"
        )
    bottom = _PAD_T + row_h * len(bars)
    for j, (label, value) in enumerate(marks.items()):
        x = _fmt(px(value))
        parts.append(f'<line x1="{x}" y1="{_PAD_T - 2}" x2="{x}" y2="{bottom}" class="mark"/>')
        parts.append(
            f'<text x="{x}" y="{bottom + 14 + 10 * (j % 2)}" text-anchor="middle" class="m">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# --- monitoring: figures over time and reference-vs-current distributions ----------------------


@dataclass(frozen=True)
class TimeLine:
    """One figure over time: a value (or ``None``, a gap) and a status per window."""

    label: str
    x: Sequence[datetime]
    y: Sequence[float | None]
    statuses: Sequence[str] = ()
    dashed: bool = False
    colour: str | None = None


@dataclass(frozen=True)
class Band:
    """A shaded range over time, e.g. an estimate's confidence interval."""

    label: str
    x: Sequence[datetime]
    lower: Sequence[float | None]
    upper: Sequence[float | None]
    colour: str = PALETTE[0]


@dataclass(frozen=True)
class Mark:
    """A horizontal reference line (a threshold or a bound), drawn dashed and labelled."""

    label: str
    value: float
    colour: str = STATUS_COLOURS["alert"]


@dataclass(frozen=True)
class BarPair:
    """One bin or category: its share in the reference and in the current window."""

    label: str
    reference: float
    current: float


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering ``[low, high]`` (1, 2, 2.5 or 5 times a power of ten)."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks: list[float] = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:.4g}"


def _time_label(moment: datetime, span_s: float) -> str:
    """Month and day over long spans; the time too over short ones; the full date for one."""
    at_midnight = (moment.hour, moment.minute) == (0, 0)
    if span_s <= 0:
        return moment.strftime("%Y-%m-%d" if at_midnight else "%Y-%m-%d %H:%M")
    return moment.strftime("%m-%d" if span_s >= 2 * 86_400 or at_midnight else "%m-%d %H:%M")


def _y_range(
    lines: Sequence[TimeLine],
    marks: Sequence[Mark],
    bands: Sequence[Band],
    y_min: float | None,
    y_max: float | None,
) -> tuple[float, float]:
    values = [v for line in lines for v in line.y if v is not None and math.isfinite(v)]
    values += [m.value for m in marks if math.isfinite(m.value)]
    for band in bands:
        values += [v for v in (*band.lower, *band.upper) if v is not None and math.isfinite(v)]
    low = y_min if y_min is not None else min(values, default=0.0)
    high = y_max if y_max is not None else max(values, default=1.0)
    if high - low <= 1e-12:
        pad = abs(high) * 0.1 or 1.0
        low, high = (low if y_min is not None else low - pad), high + pad
    elif y_max is None:
        high += (high - low) * 0.12
    return low, high


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points with a value: a ``None`` breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None or not math.isfinite(y):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, y))
    return [run for run in runs if run]


def _merged(marks: Sequence[Mark], low: float, high: float) -> list[Mark]:
    """Visible marks, top first; marks at the same value and colour share one line and label."""
    merged: dict[tuple[float, str], list[str]] = {}
    for mark in marks:
        if math.isfinite(mark.value) and low <= mark.value <= high:
            merged.setdefault((mark.value, mark.colour), []).append(mark.label)
    ordered = sorted(merged.items(), key=lambda kv: -kv[0][0])
    return [Mark("; ".join(dict.fromkeys(labels)), v, c) for (v, c), labels in ordered]


def _label_positions(ys: Sequence[float], *, gap: float, top: float) -> list[tuple[float, bool]]:
    """Where each mark's label goes (y, at the right end?), top to bottom, never overlapping.

    A label sits just above its line at the right end; when that would touch the previous label
    it tries the left end, and else moves down until it is clear.
    """
    placed: list[tuple[float, bool]] = []
    for y in ys:
        wanted = max(y - 3, top)
        for right in (True, False):
            same_side = [p for p, side in placed if side is right]
            if not same_side or wanted - same_side[-1] >= gap:
                placed.append((wanted, right))
                break
        else:
            placed.append((max(wanted, max(p for p, _ in placed) + gap), True))
    return placed


def _legend(lines: Sequence[TimeLine], bands: Sequence[Band], width: int) -> list[list[str]]:
    """Legend entries (label, colour, dashed) packed into rows that fit the width."""
    rows: list[list[str]] = [[]]
    x = 8.0
    for line in lines:
        entry_w = 24 + 5.6 * len(line.label)
        if x + entry_w > width - 8 and rows[-1]:
            rows.append([])
            x = 8.0
        dash = ' stroke-dasharray="4 2"' if line.dashed else ""
        y = 28 + 12 * (len(rows) - 1)
        colour = line.colour or PALETTE[0]
        rows[-1].append(
            f'<line x1="{_fmt(x)}" y1="{y - 3}" x2="{_fmt(x + 16)}" y2="{y - 3}" stroke="{colour}" '
            f'stroke-width="2"{dash}/><text x="{_fmt(x + 20)}" y="{y}" class="k">'
            f"{escape(line.label)}</text>"
        )
        x += entry_w
    for band in bands:
        entry_w = 24 + 5.6 * len(band.label)
        if x + entry_w > width - 8 and rows[-1]:
            rows.append([])
            x = 8.0
        y = 28 + 12 * (len(rows) - 1)
        rows[-1].append(
            f'<rect x="{_fmt(x)}" y="{y - 8}" width="16" height="8" fill="{band.colour}" '
            f'fill-opacity="0.2"/><text x="{_fmt(x + 20)}" y="{y}" class="k">'
            f"{escape(band.label)}</text>"
        )
        x += entry_w
    return [row for row in rows if row]


def time_chart(
    lines: Sequence[TimeLine],
    *,
    title: str,
    y_label: str = "",
    marks: Sequence[Mark] = (),
    bands: Sequence[Band] = (),
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = 340,
    height: int = 190,
) -> str:
    """Lines over time with dashed reference lines, shaded bands and a status dot per window.

    Each dot has a ``<title>`` naming the window, the value and the status in words, so colour
    is never the only carrier of the verdict. ``y_min``/``y_max`` fix the axis (e.g. 0..1 for
    rates); otherwise it spans the values, the marks and the bands. Several lines or a band get a
    legend under the title; a chart without any value says so in its middle.
    """
    legend = _legend(lines, bands, width) if len(lines) > 1 or bands else []
    pad_l, pad_r, pad_t, pad_b = 46, 10, 24 + 12 * len(legend), 30
    height += 12 * len(legend)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    stamps = [t.timestamp() for line in lines for t in line.x]
    stamps += [t.timestamp() for band in bands for t in band.x]
    x_low, x_high = (min(stamps), max(stamps)) if stamps else (0.0, 1.0)
    span_s = x_high - x_low
    if span_s <= 0:
        x_low, x_high = x_low - 43_200, x_high + 43_200
    y_low, y_high = _y_range(lines, marks, bands, y_min, y_max)

    def px(stamp: float) -> float:
        inset = 8.0
        return pad_l + inset + (stamp - x_low) / (x_high - x_low) * (plot_w - 2 * inset)

    def py(value: float) -> float:
        clipped = max(y_low, min(y_high, value))
        return pad_t + (1.0 - (clipped - y_low) / (y_high - y_low)) * plot_h

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{width / 2}" y="15" text-anchor="middle" class="t">{escape(title)}</text>',
        *(entry for row in legend for entry in row),
        f'<rect x="{pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" class="frame"/>',
    ]
    for tick in _nice_ticks(y_low, y_high):
        y = _fmt(py(tick))
        parts.append(
            f'<line x1="{pad_l}" y1="{y}" x2="{pad_l + plot_w}" y2="{y}" class="grid"/>'
            f'<text x="{pad_l - 5}" y="{_fmt(py(tick) + 4)}" text-anchor="end" class="k">'
            f"{_label(tick)}</text>"
        )
    moments = sorted({t for line in lines for t in line.x} | {t for b in bands for t in b.x})
    if moments:
        most = 5 if span_s >= 2 * 86_400 else 3
        picks = sorted({round(k * (len(moments) - 1) / (most - 1)) for k in range(most)})
        for moment in (moments[k] for k in picks):
            parts.append(
                f'<text x="{_fmt(px(moment.timestamp()))}" y="{pad_t + plot_h + 13}" '
                f'text-anchor="middle" class="k">{escape(_time_label(moment, span_s))}</text>'
            )
    if y_label:
        parts.append(
            f'<text x="11" y="{pad_t + plot_h / 2}" text-anchor="middle" class="a" '
            f'transform="rotate(-90 11 {pad_t + plot_h / 2})">{escape(y_label)}</text>'
        )
    for band in bands:
        parts.append(_band_svg(band, px, py))
    has_values = any(v is not None and math.isfinite(v) for line in lines for v in line.y)
    shown = _merged(marks, y_low, y_high) if has_values else []
    places = _label_positions([py(m.value) for m in shown], gap=10.0, top=pad_t + 9)
    for mark, (label_y, right) in zip(shown, places, strict=True):
        y = _fmt(py(mark.value))
        anchor, x = ("end", pad_l + plot_w - 3) if right else ("start", pad_l + 3)
        parts.append(
            f'<line x1="{pad_l}" y1="{y}" x2="{pad_l + plot_w}" y2="{y}" stroke="{mark.colour}" '
            f'stroke-width="1.2" stroke-dasharray="5 3"><title>{escape(mark.label)}</title></line>'
            f'<text x="{x}" y="{_fmt(label_y)}" text-anchor="{anchor}" class="m" '
            f'fill="{mark.colour}">{escape(mark.label)}</text>'
        )
    for i, line in enumerate(lines):
        parts.append(_line_svg(line, line.colour or PALETTE[i % len(PALETTE)], px, py))
    if not has_values:  # the limits would float over nothing: the words say it instead
        parts.append(
            f'<text x="{pad_l + plot_w / 2}" y="{pad_t + plot_h / 2}" text-anchor="middle" '
            'class="a">no value in these windows yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _band_svg(band: Band, px: Callable[[float], float], py: Callable[[float], float]) -> str:
    points = [
        (t.timestamp(), lo, hi)
        for t, lo, hi in zip(band.x, band.lower, band.upper, strict=True)
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi)
    ]
    if not points:
        return ""
    if len(points) == 1:  # one window: a short vertical bar shows the interval
        x = _fmt(px(points[0][0]))
        return (
            f'<line x1="{x}" y1="{_fmt(py(points[0][2]))}" x2="{x}" y2="{_fmt(py(points[0][1]))}" '
            f'stroke="{band.colour}" stroke-width="6" stroke-opacity="0.25">'
            f"<title>{escape(band.label)}</title></line>"
        )
    upper = [f"{_fmt(px(x))},{_fmt(py(hi))}" for x, _, hi in points]
    lower = [f"{_fmt(px(x))},{_fmt(py(lo))}" for x, lo, _ in reversed(points)]
    return (
        f'<polygon points="{" ".join(upper + lower)}" fill="{band.colour}" fill-opacity="0.15" '
        f'stroke="none"><title>{escape(band.label)}</title></polygon>'
    )


def _line_svg(
    line: TimeLine, colour: str, px: Callable[[float], float], py: Callable[[float], float]
) -> str:
    parts = []
    stamped = [(t.timestamp(), v) for t, v in zip(line.x, line.y, strict=True)]
    dash = ' stroke-dasharray="4 3"' if line.dashed else ""
    for run in _segments(stamped):
        path = " ".join(f"{_fmt(px(x))},{_fmt(py(y))}" for x, y in run)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"{dash}/>'
        )
    statuses = list(line.statuses) or [""] * len(stamped)
    for moment, value, status in zip(line.x, line.y, statuses, strict=True):
        if value is None or not math.isfinite(value):
            continue
        words = f"{line.label} · {moment:%Y-%m-%d %H:%M} · {_label(value)}"
        words += f" · {status}" if status else ""
        parts.append(
            f'<circle cx="{_fmt(px(moment.timestamp()))}" cy="{_fmt(py(value))}" r="3.6" '
            f'fill="{STATUS_COLOURS.get(status, colour)}" stroke="#fff" stroke-width="1">'
            f"<title>{escape(words)}</title></circle>"
        )
    return "".join(parts)


def paired_bar_chart(
    rows: Sequence[BarPair],
    *,
    title: str,
    legend: tuple[str, str] = ("reference", "current"),
    width: int = 340,
) -> str:
    """Horizontal bar pairs, one row per bin or category: reference (grey) above current (blue).

    Values are shares (0..1), written as percentages after each bar.
    """
    label_w, value_w, row_h, pad_t = 104, 44, 22, 34
    plot_w = width - label_w - value_w
    height = pad_t + row_h * len(rows) + 6
    top = max([1e-12, *(r.reference for r in rows), *(r.current for r in rows)])
    colours = ("#8c959f", PALETTE[0])

    def bar_w(value: float) -> str:
        return _fmt(max(0.0, value) / top * plot_w)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{width / 2}" y="15" text-anchor="middle" class="t">{escape(title)}</text>',
    ]
    for k, (name, colour) in enumerate(zip(legend, colours, strict=True)):
        x = label_w + k * 90
        parts.append(
            f'<rect x="{x}" y="21" width="9" height="9" fill="{colour}"/>'
            f'<text x="{x + 12}" y="29" class="k">{escape(name)}</text>'
        )
    for i, row in enumerate(rows):
        y = pad_t + i * row_h
        parts.append(
            f'<text x="{label_w - 5}" y="{y + 14}" text-anchor="end" class="k">'
            f"{escape(row.label[:18])}<title>{escape(row.label)}</title></text>"
        )
        for k, (value, colour) in enumerate(
            ((row.reference, colours[0]), (row.current, colours[1]))
        ):
            top_y = y + 2 + k * 9
            words = f"{row.label} · {legend[k]} {value:.1%}"
            parts.append(
                f'<rect x="{label_w}" y="{top_y}" width="{bar_w(value)}" height="8" '
                f'fill="{colour}"><title>{escape(words)}</title></rect>'
                f'<text x="{_fmt(label_w + float(bar_w(value)) + 3)}" y="{top_y + 7}" class="s">'
                f"{value:.1%}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
