"""A tiny document model (sections of paragraphs, bullets and tables) with two renderers.

The model card is built once as a ``CardDocument`` and written as Markdown or as one
self-contained HTML page (inline CSS, no scripts, every value escaped), so both say the same.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = ["Block", "Bullets", "CardDocument", "Fields", "Paragraph", "Section", "Table"]


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, shown as a two-column table."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


Block = Paragraph | Bullets | Fields | Table


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class CardDocument:
    """A titled list of sections."""

    title: str
    subtitle: str
    sections: list[Section]

    def to_markdown(self) -> str:
        lines = [f"# {self.title}", "", self.subtitle, ""]
        for section in self.sections:
            lines += [f"## {section.title}", ""]
            for block in section.blocks:
                lines += [*_markdown_block(block), ""]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        body: list[str] = [f"<h1>{_e(self.title)}</h1>", f'<p class="sub">{_e(self.subtitle)}</p>']
        for section in self.sections:
            body.append(f"<section><h2>{_e(section.title)}</h2>")
            body += [_html_block(block) for block in section.blocks]
            body.append("</section>")
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(self.title)}</title><style>{_CSS}</style></head>\n<body><main>\n"
            + "\n".join(body)
            + "\n</main></body></html>\n"
        )


_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;color:#1b1f24;margin:0;background:#f6f7f9}"
    "main{max-width:960px;margin:0 auto;padding:24px;background:#fff}"
    "h1{margin:0 0 4px}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}"
    ".sub{color:#57606a;margin:0}table{border-collapse:collapse;width:100%;margin:8px 0}"
    "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#f0f2f4}caption{text-align:left;font-weight:600;padding:6px 0}"
    "td.fail{color:#b42318;font-weight:600}td.warn{color:#9a6700}td.pass{color:#1a7f37}"
)
_VERDICT_CLASSES = {"fail", "warn", "pass"}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _markdown_table(headers: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in headers) + " |"]
    out.append("|" + "|".join("---" for _ in headers) + "|")
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Fields):
        return _markdown_table(("", ""), block.pairs)
    caption = [f"**{block.caption}**", ""] if block.caption else []
    return caption + _markdown_table(block.headers, block.rows)


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Fields):
        rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in block.pairs)
        return f"<table>{rows}</table>"
    caption = f"<caption>{_e(block.caption)}</caption>" if block.caption else ""
    head = "".join(f"<th>{_e(h)}</th>" for h in block.headers)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{c}">{_e(c)}</td>' if c in _VERDICT_CLASSES else f"<td>{_e(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in block.rows
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
