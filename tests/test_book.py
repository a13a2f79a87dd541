"""Build the book from the stored notebooks, warnings as errors, and look at what came out."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [entry for entry in TOC["chapters"] if entry["file"].startswith("chapters/")]


def test_every_page_is_built_with_search(html):
    assert (html / "intro.html").is_file() and (html / "search.html").is_file()
    for entry in TOC["chapters"]:
        assert (html / f"{entry['file']}.html").is_file(), entry["file"]


def test_chapter_pages_have_colab_launch_download_and_copy_buttons(html):
    url = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    for entry in CHAPTERS:
        page = (html / f"{entry['file']}.html").read_text()
        colab = f"https://colab.research.google.com/github/{url}/blob/main/{entry['file']}.ipynb"
        assert colab in page, f"{entry['file']}: no launch link {colab}"
        assert f"{Path(entry['file']).name}.ipynb" in page and "download" in page.lower()
        assert "copybutton" in page


def test_setup_cell_is_removed_and_widgets_and_figures_are_embedded(html):
    for entry in CHAPTERS:
        page = (html / f"{entry['file']}.html").read_text()
        assert "google.colab" not in page, "the Colab setup cell is tagged remove-cell"
    for name in ("rnn_scratch", "rnn_concise"):
        page = (html / "chapters" / f"{name}.html").read_text()
        assert "application/vnd.jupyter.widget-state+json" in page
    hidden = (html / "chapters" / "hidden_state.html").read_text()
    figure = re.search(r'src="([^"]*rnn-unrolled\.svg)"', hidden)
    assert figure and (html / "chapters" / figure.group(1)).resolve().is_file()


def test_pages_load_no_script_or_style_from_the_internet(html):
    for page in html.rglob("*.html"):
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page.read_text())
        remote = [url for url in remote if not url.startswith(("https://github.com", "https://colab."))]
        assert remote == [], f"{page.relative_to(html)} loads {remote}"
    assert (html / "_static" / "vendor" / "mathjax" / "tex-mml-chtml.js").is_file()
