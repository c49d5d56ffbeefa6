"""A report's content as blocks (headings, paragraphs, tables, figures, code), rendered to
Markdown and to one self-contained HTML page (figures embedded, so it can be mailed)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stadtteil_sim.experiments.words import say


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str  # may use `code` and **bold**


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame  # cells already formatted as text


@dataclass(frozen=True)
class Figure:
    file: str  # relative to report.md
    caption: str


@dataclass(frozen=True)
class Code:
    text: str


Block = Heading | Paragraph | Table | Figure | Code


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-style table (no dependency on tabulate); '|' in cells is escaped."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def to_markdown(blocks: list[Block], lang: str = "en") -> str:
    parts = []
    number = 0
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts.append(markdown_table(block.frame))
        elif isinstance(block, Figure):
            number += 1
            parts.append(f"![{block.caption}]({block.file})\n\n*{say(lang, 'Abbildung', 'Figure')} {number}: {block.caption}*")
        elif isinstance(block, Code):
            parts.append(f"```\n{block.text}\n```")
    return "\n\n".join(parts) + "\n"


def _inline_html(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


HTML_STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;line-height:1.45}
table{border-collapse:collapse;font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0}img{max-width:100%}figcaption{font-style:italic;color:#444}code{background:#f4f4f4}"""


def _data_uri(folder: Path | None, file: str) -> str:
    """The figure inside the page (``data:image/png;base64,…``), so report.html is one file that
    can be mailed; the file's name where it cannot be read."""
    path = folder / file if folder is not None else None
    if path is None or not path.is_file():
        return file
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def to_html(blocks: list[Block], title: str, folder: Path | None = None, lang: str = "en") -> str:
    """One self-contained page: the figures in ``folder`` are embedded."""
    body = []
    number = 0
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline_html(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, Table):
            body.append(block.frame.to_html(index=False, escape=True, border=0))
        elif isinstance(block, Figure):
            number += 1
            body.append(f'<figure><img src="{_data_uri(folder, block.file)}" alt="{html.escape(block.caption)}">'
                        f"<figcaption>{say(lang, 'Abbildung', 'Figure')} {number}: {_inline_html(block.caption)}"
                        "</figcaption></figure>")
        elif isinstance(block, Code):
            body.append(f"<pre><code>{html.escape(block.text)}</code></pre>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{HTML_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
