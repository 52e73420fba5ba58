"""Report sections and the self-contained HTML page they are rendered into."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    """One section of an HTML report.

    Attributes:
        id: Stable HTML id (tests and links rely on it).
        title: Heading shown to the reader.
        html: Body, already-escaped HTML.
    """

    id: str
    title: str
    html: str

    def render(self) -> str:
        """The section as an HTML <section>."""
        return (
            f'<section id="{html.escape(self.id)}">\n<h2>{html.escape(self.title)}</h2>\n'
            f"{self.html}\n</section>"
        )


def paragraph(text: str, css_class: str | None = None) -> str:
    """`text` escaped in a <p> (with a class, e.g. "note")."""
    attribute = f' class="{html.escape(css_class)}"' if css_class else ""
    return f"<p{attribute}>{html.escape(text)}</p>"


def file_block(title: str, entry: dict[str, Any]) -> str:
    """A file read to make the results: name, path, sha256, its text folded away."""
    parts = [f"<h3>{html.escape(title)}</h3>", "<dl>"]
    for key in ("name", "path", "sha256"):
        if entry.get(key) is not None:
            parts.append(f"<dt>{key}</dt><dd><code>{html.escape(str(entry[key]))}</code></dd>")
    parts.append("</dl>")
    if entry.get("text"):
        parts.append(
            "<details><summary>File contents</summary>"
            f"<pre>{html.escape(str(entry['text']))}</pre></details>"
        )
    return "\n".join(parts)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
pre { background: #f7f7f7; padding: .5rem; overflow-x: auto; font-size: .8rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { font-size: .9rem; color: #555; }
.question { font-size: 1.2rem; font-style: italic; }
.note { background: #fff6dd; padding: .4rem .6rem; border-left: 3px solid #e0b000; }
nav a { margin-right: 1rem; }
"""


def render_html(sections: Sequence[Section], title: str = "Ceasefire batch report") -> str:
    """A complete, self-contained HTML page with a contents line and the sections."""
    nav = " ".join(f'<a href="#{html.escape(s.id)}">{html.escape(s.title)}</a>' for s in sections)
    body = "\n".join(s.render() for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )
