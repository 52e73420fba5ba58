"""The presentation layer: tables, report sections, figures and the kinds of report.

Readers (`sim.analysis`, `sim.reference`, `sim.explain`, ...) compute; this package
shows. It knows nothing of the model or the batch engine:

* `tables`   -- aligned plain-text and escaped HTML tables (one pair, used everywhere);
* `html`     -- `Section`, the self-contained page (`render_html`), paragraphs, files;
* `figures`  -- headless pyplot (`pyplot()`), figures embedded as base64 PNG with a caption;
* `kinds`    -- the one registry of report kinds (`ceasefire report DIR` asks it which
  kind a folder is and which sections to write): adding a kind is one registration.
"""

from sim.presentation.html import Section, paragraph, render_html
from sim.presentation.tables import html_table, text_table

__all__ = ["Section", "html_table", "paragraph", "render_html", "text_table"]
