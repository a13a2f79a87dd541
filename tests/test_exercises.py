"""Every chapter ends with exercises, each with a worked solution that is hidden until opened.

In the notebooks: 3 to 6 exercise blocks per chapter, each with exactly one solution block;
labels unique across the book; every code cell of a solution executed and its claim asserted.
In the built book: numbers and anchors never collide, and solutions stay out of the search index.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTE = (
    "Each exercise has a worked solution, folded on the page until you open it. In the notebook "
    "(`.ipynb`) a solution is in the cells right after its exercise: scroll on only when you have "
    "tried it."
)
OPEN = re.compile(r"^(`{3,}|:{3,})\{(exercise|solution|solution-start|solution-end)\}[ \t]*(.*)$", re.M)
OPTION = re.compile(r"^:(label|class):[ \t]*(.*)$", re.M)


def exercise_cells(path: Path) -> list:
    """The cells from the '## Exercises' heading to the end of the chapter."""
    cells = nbformat.read(path, as_version=4).cells
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    first = cells[start]
    first = nbformat.from_dict({**first, "source": first.source[first.source.index("## Exercises"):]})
    return [first, *cells[start + 1:]]


def blocks(path: Path) -> list[dict]:
    """Each exercise and solution block in order: kind, label or target, options, and for a
    solution the code cells it holds."""
    found, open_gate = [], None
    for cell in exercise_cells(path):
        if cell.cell_type == "code":
            if open_gate is not None:
                open_gate["code"].append(cell)
            continue
        for match in OPEN.finditer(cell.source):
            kind, argument = match[2], match[3].strip()
            options = dict(OPTION.findall(cell.source[match.end():].split("\n\n", 1)[0]))
            if kind == "solution-end":
                assert open_gate is not None, f"{path.stem}: solution-end without solution-start"
                open_gate = None
                continue
            assert open_gate is None, f"{path.stem}: a block opens inside the solution to {open_gate['target']}"
            block = {"kind": kind, "options": options, "code": []}
            if kind == "exercise":
                block["label"] = options.get("label")
            else:
                block["target"] = argument
            found.append(block)
            if kind == "solution-start":
                open_gate = block
    assert open_gate is None, f"{path.stem}: the solution to {open_gate['target']} never ends"
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_one_folded_solution(path):
    found = blocks(path)
    exercises = [b["label"] for b in found if b["kind"] == "exercise"]
    solutions = [b["target"] for b in found if b["kind"] != "exercise"]
    assert 3 <= len(exercises) <= 6, f"{path.stem}: {len(exercises)} exercises"
    assert all(exercises), f"{path.stem}: an exercise without a :label:"
    assert sorted(solutions) == sorted(exercises), f"{path.stem}: exercises {exercises}, solutions {solutions}"
    assert len(set(solutions)) == len(solutions)
    for block in found:
        if block["kind"] != "exercise":
            assert block["options"].get("class") == "dropdown", f"{block['target']}: a solution must be folded"


def test_exercise_labels_are_unique_across_the_book():
    labels = Counter(b["label"] for path in CHAPTERS for b in blocks(path) if b["kind"] == "exercise")
    assert [label for label, n in labels.items() if n > 1] == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_solution_cell_was_executed_and_asserts_its_claim(path):
    for block in blocks(path):
        for cell in block.get("code", []):
            assert cell.execution_count is not None, f"{block['target']}: a solution cell was not executed"
        if block["code"]:
            assert any(re.search(r"^\s*assert\b", c.source, re.M) for c in block["code"]), (
                f"{block['target']}: a solution that computes asserts what it claims"
            )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_exercises_say_where_the_solutions_are(path):
    assert NOTE in " ".join(exercise_cells(path)[0].source.split())


class Ids(HTMLParser):
    """Every id on a page, and the caption number of every exercise."""

    def __init__(self):
        super().__init__()
        self.ids, self.numbers, self._in_exercise_title = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self._in_exercise_title = tag == "span" and "caption-number" in (attrs.get("class") or "")

    def handle_data(self, data):
        if self._in_exercise_title and data.strip().startswith("Exercise"):
            self.numbers.append(data.strip())
        self._in_exercise_title = False


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_built_exercises_have_distinct_numbers_and_anchors(html, path):
    page = Ids()
    page.feed((html / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8"))
    exercises = [b["label"] for b in blocks(path) if b["kind"] == "exercise"]
    assert len(page.numbers) == len(exercises) and len(set(page.numbers)) == len(page.numbers), page.numbers
    repeated = [i for i, n in Counter(page.ids).items() if n > 1]
    assert repeated == [], f"ids used more than once on the page: {repeated}"
    for label in exercises:
        assert label in page.ids


def test_solutions_are_left_out_of_the_search_index(html):
    """A word that only solutions use is not in the index: searching for it finds nothing."""
    from sphinx.search.en import SearchEnglish

    english = SearchEnglish({})

    def stems(fragment: str) -> set[str]:  # as Sphinx's indexer splits, filters and stems
        text = re.sub(r"<[^>]+>", " ", fragment)
        return {english.stem(w).lower() for w in english.split(text) if english.word_filter(w)}

    solution_words, other_words = set(), set()
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'role="main"' not in text:
            continue
        main = text[text.index('role="main"'):]
        for solution in re.findall(r'<div class="solution[^"]*".*?<section id="[^"]*-content">(.*?)</section>', main, re.S):
            solution_words |= stems(solution)
        other_words |= stems(re.sub(r'<div class="solution[^"]*".*?</section>', " ", main, flags=re.S))
    only_in_solutions = solution_words - other_words
    assert only_in_solutions, "no word only a solution uses: nothing to check"
    index = (html / "searchindex.js").read_text(encoding="utf-8")
    terms = set(re.findall(r'"([^"]+)":', re.search(r'"terms":\s*\{(.*?)\},\s*"titles"', index, re.S)[1]))
    assert len(terms) > 1000, "the index was read"
    assert only_in_solutions.isdisjoint(terms), sorted(only_in_solutions & terms)[:10]
