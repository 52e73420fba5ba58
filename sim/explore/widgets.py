"""Small accessible building blocks of the explorer page: a figure with its alt text, tables."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

import solara


@solara.component
def Figure(png: bytes, alt: str, test_id: str) -> None:
    """A PNG figure as an <img> whose alt text carries the numbers behind it."""
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    solara.HTML(
        tag="img",
        attributes={"src": source, "alt": alt, "data-testid": test_id, "title": alt},
        style="max-width: 100%; height: auto;",
    )


def table_html(rows: Sequence[dict[str, Any]], caption: str) -> str:
    """An HTML table (with a caption and header cells) of rows sharing the same keys."""
    if not rows:
        return f"<p>{html.escape(caption)}: nothing to show.</p>"
    columns = list(rows[0])
    cell = 'style="padding: 2px 10px; text-align: left; border-bottom: 1px solid #ddd;"'
    head = "".join(f'<th scope="col" {cell}>{html.escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td {cell}>{html.escape(str(row.get(c, '')))}</td>" for c in columns)
        + "</tr>"
        for row in rows
    )
    return (
        '<table class="explore-table" style="border-collapse: collapse; font-size: 0.85em;">'
        f"<caption style='text-align: left; font-weight: bold;'>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


@solara.component
def Table(rows: Sequence[dict[str, Any]], caption: str, test_id: str) -> None:
    """A table of numbers: a figure's text alternative, or data in its own right."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=table_html(rows, caption),
        attributes={"data-testid": test_id},
        style="overflow-x: auto; margin: 0.5em 0;",
    )


@solara.component
def Command(text: str, test_id: str) -> None:
    """A shell command, shown as preformatted text that can be copied."""
    solara.HTML(
        tag="pre",
        unsafe_innerHTML=html.escape(text),
        attributes={"data-testid": test_id},
        style="white-space: pre-wrap; word-break: break-all; background: #f4f4f4; padding: 0.5em;",
    )
