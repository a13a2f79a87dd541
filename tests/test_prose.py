"""The book reads as plainly as d2l: short sentences in both editions, checks folded away.

Sentence lengths come from scripts/prose_stats.py (run it for the table). The aim is at most 18
words a sentence on average and at most 3 % of sentences over 40 words; a page fails here above
20 and 5 %. The Chinese edition is measured in characters (a CJK character, a Latin word or a
number is one): at most 28 on average, at most 2 % over 80, none over 100.

Checks are asserts in their own cells, folded in the book (tag `hide-cell`), each opening with a
one-line comment so that a reader in Colab can skip it; of the code lines a reader sees unfolded,
at most 2 % belong to an assert.
"""

import ast
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import prose_stats  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FOLDED = {"hide-cell", "remove-cell"}


@pytest.mark.parametrize("page", prose_stats.PAGES)
def test_english_sentences_are_short(page):
    mean, over = prose_stats.summary(prose_stats.lengths(page, "en"), "en")
    assert mean <= 20 and over <= 5, f"{page}: {mean:.1f} words a sentence, {over:.1f} % over 40"


@pytest.mark.parametrize("page", prose_stats.PAGES)
def test_chinese_sentences_are_short(page):
    found = prose_stats.lengths(page, "zh_CN")
    mean, over = prose_stats.summary(found, "zh_CN")
    assert mean <= 28 and over <= 2, f"{page}: {mean:.1f} characters a sentence, {over:.1f} % over 80"
    assert max(found) <= 100, f"{page}: a sentence of {max(found)} characters"


def test_sentence_lengths_count_what_a_reader_reads():
    markdown = ("Dr. Moreau met H. G. Wells, e.g. at noon. The state $\\mathbf{h}_t$ has `h` units!\n\n"
                "- one item\n- another item here\n\n```python\nnot = prose\n```\n$$x = y$$\n"
                "# A heading\n````{exercise}\n:label: ex\nTry it. Then again.\n````")
    assert prose_stats.english_sentences(markdown) == [9, 6, 2, 3, 2, 2]
    assert prose_stats.chinese_sentences("隐状态$h_t$有 512 个单元。它很大！") == [9, 3]


def unfolded_code(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells
            if cell["cell_type"] == "code" and not FOLDED & set(cell["metadata"].get("tags", []))]


def assert_lines(source: str) -> tuple[int, int]:
    """Non-blank code lines in `source`, and how many of them belong to an assert."""
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    checking = set()
    for node in ast.walk(ast.parse(python)):
        is_assert = isinstance(node, ast.Assert) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and re.match(r"assert", ast.unparse(node.value.func).split(".")[-1]))
        if is_assert:
            checking.update(range(node.lineno, node.end_lineno + 1))
    lines = [n for n, line in enumerate(python.splitlines(), 1) if line.strip()]
    return len(lines), len(checking & set(lines))


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_checks_are_folded_away(notebook):
    counts = [assert_lines(source) for source in unfolded_code(notebook)]
    lines, asserting = sum(c[0] for c in counts), sum(c[1] for c in counts)
    assert asserting <= 0.02 * lines, f"{asserting} of the {lines} unfolded code lines are asserts"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_folded_checks_say_what_they_check(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code" and "hide-cell" in cell["metadata"].get("tags", []):
            first = "".join(cell["source"]).splitlines()[0]
            assert re.match(r"# \S", first), f"a folded cell opens without a comment: {first!r}"


def test_assert_lines_count_every_line_of_an_assert():
    source = "x = 1\nassert x == 1, (\n    'one')\ntorch.testing.assert_close(x, 1)\n%time y = 2\n"
    assert assert_lines(source) == (4, 3)


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_prints_javascript_source(notebook):
    for source in unfolded_code(notebook):
        assert not re.search(r"\.js['\"]\)?\s*\.read_text|print\(.*\bjs\b", source), source[:200]
