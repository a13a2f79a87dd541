"""What makes every page accessible without a browser: names mended in the written pages, text
alternatives for every plot in both editions. The pages themselves are audited with axe-core in
tests/test_browser.py."""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from charrnn.training import History
from charrnn.widgets import perplexity_description

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import accessibility  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FIGURES = json.loads((ROOT / "locale" / "zh_CN" / "figures.json").read_text(encoding="utf-8"))


def test_mended_pages_name_controls_by_the_words_they_show():
    page = ('<button class="btn search-button-field search-button__button pst-js-only" title="搜索" '
            'aria-label="搜索" data-bs-toggle="tooltip">'
            '<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Light"></i>'
            '<summary aria-label="Toggle hidden content">')
    mended = accessibility.mend(page)
    assert 'aria-label="搜索"' not in mended and 'aria-keyshortcuts="Control+K"' in mended
    assert 'title="Light"' not in mended and 'data-mode="light"' in mended
    assert "<summary>" in mended
    assert accessibility.mend(mended) == mended


def plots(path: Path) -> list:
    cells = nbformat.read(path, as_version=4).cells
    return [cell for cell in cells if cell.cell_type == "code"
            and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_plot_says_what_it_shows_in_both_editions(path):
    for cell in plots(path):
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        # More than a title: what is plotted against what, and what it shows.
        assert len(alt.split()) >= 12, f"a plot with alt text {alt!r}:\n{cell.source[:300]}"
        assert re.search("[\u4e00-\u9fff]", FIGURES.get(alt, "")), f"no Chinese for the alt text {alt!r}"


def test_no_chinese_alt_text_is_left_over():
    used = {cell.metadata.get("mystnb", {}).get("image", {}).get("alt") for path in CHAPTERS for cell in plots(path)}
    assert set(FIGURES) <= used


def test_a_perplexity_curve_is_described_by_its_figures():
    history = History(train_ppl=[20.04, 9.5, 7.25], val_ppl=[19.9, 10.0, 8.04])
    assert perplexity_description(history, 64) == (
        "perplexity by epoch at hidden size 64, over 3 epochs: training from 20.0 to 7.2, "
        "held-out from 19.9 to 8.0")
    assert perplexity_description(History(train_ppl=[3.0]), 8).endswith("training from 3.0 to 3.0")
