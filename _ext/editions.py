"""The book's two editions from the same notebooks: English, and Chinese (中文) in the folder zh_CN/
inside it (scripts/build_book.py builds both).

Every page gets a link to the same page in the other edition, in the page's header. The link is
relative, so it works offline and from file://; it is written into a <meta> tag at build time and
placed by _static/editions.js, so that pages without a body of their own (search, index) get it
too. In the Chinese edition the in-page panels (sampler, heatmap, trainer) show their words in
Chinese: the page defines `charrnn.translations` from locale/zh_CN/panels.json before any panel
runs, and the panels' scripts look their words up there (charrnn/js/words.js); the stored
ipywidgets panels are translated the same way as the widget manager draws them. Its search
splits Chinese into words with jieba, told the glossary's terms (locale/zh_CN/glossary.yml) so
that a search for 困惑度 finds the pages that use it (jieba alone cuts it into 困惑 and 度).
"""

import json
from html import escape
from pathlib import Path

import yaml
from babel.messages.pofile import read_po
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
CHINESE = "zh_CN"


def _other_edition(app: Sphinx, pagename: str) -> tuple[str, str, str]:
    """(href, label, language) of `pagename` in the other edition, relative to this page."""
    up = "../" * pagename.count("/")
    if app.config.language == CHINESE:
        return f"../{up}{pagename}.html", "English", "en"
    return f"{up}{CHINESE}/{pagename}.html", "中文", "zh-CN"


def _add_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    href, label, language = _other_edition(app, pagename)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="charrnn-other-edition" content="{escape(href)}" data-label="{escape(label)}"'
        f' data-language="{language}">'
    )


def _teach_search_the_glossary(app: Sphinx, config) -> None:
    if config.language != CHINESE:
        return
    glossary = yaml.safe_load((ROOT / "locale" / CHINESE / "glossary.yml").read_text(encoding="utf-8"))
    dictionary = Path(app.doctreedir) / "search_words.txt"  # jieba's format: a word and its weight
    dictionary.parent.mkdir(parents=True, exist_ok=True)
    dictionary.write_text("".join(f"{term} 1000\n" for term in glossary["terms"].values()), encoding="utf-8")
    config.html_search_options = {**config.html_search_options, "dict": str(dictionary)}


def _translate_book_title(app: Sphinx, config) -> None:
    """The book's title, shown on every page, is the root page's title, so its translation is there."""
    if config.language != CHINESE:
        return
    with (ROOT / "locale" / CHINESE / "LC_MESSAGES" / "intro.po").open("rb") as f:
        translated = {message.id: message.string for message in read_po(f) if message.string}
    if config.html_title not in translated:
        raise ExtensionError(f"the book's title {config.html_title!r} has no translation in intro.po")
    config.html_title = translated[config.html_title]


def _add_panel_words(app: Sphinx, config) -> None:
    if config.language != CHINESE:
        return
    words = json.loads((ROOT / "locale" / CHINESE / "panels.json").read_text(encoding="utf-8"))
    # Inline, in the head, so that it is defined before the first panel's script runs.
    body = "globalThis.charrnn = globalThis.charrnn || {};\ncharrnn.translations = " + json.dumps(
        words, ensure_ascii=False, sort_keys=True) + ";"
    app.add_js_file(None, body=body, priority=100)
    # The panels built from ipywidgets (stored widget state) get their words from the same table,
    # as they are drawn: _static/editions.js hands each drawn widget to charrnn.translatePanel.
    app.add_js_file(None, body=(ROOT / "charrnn" / "js" / "words.js").read_text(encoding="utf-8"), priority=101)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_panel_words)
    app.connect("config-inited", _teach_search_the_glossary)
    app.connect("config-inited", _translate_book_title)
    app.connect("html-page-context", _add_switch)
    app.add_js_file("editions.js")
    app.add_css_file("editions.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
