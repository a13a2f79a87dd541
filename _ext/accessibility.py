"""Every page of the book passes WCAG 2.1 AA (checked with axe-core by tests/test_browser.py).

Three pieces of the theme's and myst-nb's markup name a control in words other than the ones it
shows (WCAG 2.5.3, "label in name"), and are mended in the written pages:
- the search button shows "Search Ctrl+K" but is named "Search": it is named by what it shows,
  and says that Ctrl+K is its shortcut (aria-keyshortcuts);
- the colour-mode button is named "Color mode", but its three icons carry titles of their own
  ("Light", "Dark", "System Settings"), which Font Awesome turns into text: the icons lose their
  titles (the button's tooltip still says "Color mode");
- a folded cell's toggle says "Show code cell content" but is named "Toggle hidden content": its
  name becomes the words it shows.
The widgets the widget manager draws in the page get their names from _static/accessibility.js.

Every plot a chapter draws has alt text that says what it shows: the plotting cell's metadata
(`mystnb.image.alt`). The Chinese edition shows its translation, from locale/zh_CN/figures.json.
"""

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "locale" / "zh_CN" / "figures.json"

MENDS = [
    (re.compile(r'(class="btn search-button-field search-button__button pst-js-only" title="([^"]*)") '
                r'aria-label="\2"'), r'\1 aria-keyshortcuts="Control+K"'),
    (re.compile(r'(<i class="theme-switch [^"]*" data-mode="\w+") *title="[^"]*"'), r"\1"),
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
]


def mend(page: str) -> str:
    """`page` with the markup above mended."""
    for before, after in MENDS:
        page = before.sub(after, page)
    return page


def _mend_pages(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        mended = mend(text)
        if mended != text:
            path.write_text(mended, encoding="utf-8")


def _translate_alt_text(app: Sphinx, doctree: nodes.document) -> None:
    if app.config.language != "zh_CN":
        return
    translations = json.loads(FIGURES.read_text(encoding="utf-8"))
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        if alt in translations:
            image["alt"] = translations[alt]
        elif alt and not alt.startswith(("../", "_images/")) and not any("\u4e00" <= c <= "\u9fff" for c in alt):
            raise ExtensionError(f"no Chinese alt text in {FIGURES.name} for: {alt}")


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", _mend_pages)
    app.connect("doctree-read", _translate_alt_text)
    app.add_js_file("accessibility.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
