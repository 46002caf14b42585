"""Reports: the gate's verdicts as a self-contained HTML page (inline SVG, no CDN) and as JSON."""

from __future__ import annotations

from charter.reports.gate_html import render_gate_html, write_gate_report

__all__ = ["render_gate_html", "write_gate_report"]
