"""Small hand-written SVG charts, inline in the HTML report so it opens offline with no scripts.

Two shapes cover the gate's plots: ``line_chart`` (ROC, precision-recall, reliability curves)
and ``bar_chart`` (rates per group and importances, with threshold markers). Text is escaped;
coordinates are rounded to keep the file small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Bar", "Series", "bar_chart", "line_chart"]

PALETTE = ("#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#57606a")
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
