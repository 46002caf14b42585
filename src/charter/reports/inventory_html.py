"""The model inventory as a self-contained HTML page (inline CSS and SVG, no script, no link).

The page an auditor asks for: one row per model with its tier, stage, evidence and state, a bar
chart of models per tier, and the retired models apart. Built from ``Inventory`` only.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from charter.governance.inventory import Inventory
from charter.reports.svg import PALETTE, Bar, bar_chart

__all__ = ["render_inventory_html", "write_inventory_html"]

_TIER_COLOURS = {"high": "#d73a49", "medium": "#bf8700", "low": PALETTE[0]}


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("charter.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_inventory_html(inventory: Inventory) -> str:
    """The inventory page as one HTML string."""
    active = inventory.active
    bars = [
        Bar(tier, float(sum(e.tier == tier for e in active)), colour=colour)
        for tier, colour in _TIER_COLOURS.items()
    ]
    chart = Markup(bar_chart(bars, title="Models in use by risk tier"))
    template = _environment().get_template("inventory.html.j2")
    return template.render(inventory=inventory, active=active, chart=chart)


def write_inventory_html(inventory: Inventory, path: str | Path) -> Path:
    """Write the page (parents created) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_inventory_html(inventory), encoding="utf-8")
    return target
