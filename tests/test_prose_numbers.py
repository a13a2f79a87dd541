"""Every number typed in a chapter's prose is one the chapter shows.

A number in a Markdown cell passes if the reader can find it on the page:

- printed in an output of the same chapter, exactly as the prose writes it,
  up to thousands separators and the space before a percent sign ("17,898"
  is "17898", "1.1 %" is "1.1%"; a rounded "about 5.5" needs a 5.5 in some
  output, not a 5.47), and, if the prose gives it a unit (%, seconds, KB,
  times), printed with a unit of the same kind;
- or written as a literal in one of the chapter's code cells, compared by
  value: a hyperparameter the reader sees in the code (35, 512, 1e-2 for
  0.01, 0.1 for "10 %"), unless the prose gives it a unit of time or size;
- or one of the constants in ALLOWED, each with its reason;
- or a small count (SMALL_COUNTS, below);
- or, in the Exercises section, a whole number without a unit: a setting the
  reader is asked to try ("train with 1024 hidden units"), not a result. A
  solution states results, so its numbers get no such pass.

Exercise, hint and solution blocks (MyST directives such as ```{exercise}) are
prose: their fences and options are taken out and their text is read.

Number words are read too ("twenty seconds", "a hundred", "thirty-five"), so
spelling a number out does not hide it, and a time or a size in words ("half
a minute", "a megabyte") is always reported: it is a measurement, so a cell
should print it.

Not claims about a result, so ignored: numbers inside math ($...$, $$...$$),
code blocks, link targets and URLs (figure file names among them), HTML tags,
list and heading ordinals, references to chapters, sections, figures and
exercises ("chapter 6", "exercises 2 to 4"), version strings (2.13.0), and
digits inside words (float32, d2l).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# Constants the prose may state without printing them, and why each is safe.
ALLOWED = {
    26: "the letters of the alphabet, the ones the preprocessing keeps",
    27: "26 letters and the space: the cleaned corpus's characters (README)",
    28: "those 27 characters and <unk>: every chapter's model's vocabulary",
    1895: "the year The Time Machine was published (README, 'The corpus')",
}
# Small whole numbers, in digits or words ("two biases", "n = 6", "3 layers")
# count what the text is about, and the code beside them shows them. A
# measured quantity is rarely a whole number this small, and when it is it
# comes with a unit, which this rule does not excuse ("about 5 seconds",
# "3 %", "2x faster" are checked like any other number). A number with a
# unit passes only where an output prints it with a unit of the same kind:
# "about 20 seconds" is not shown by an "epoch 20".
SMALL_COUNTS = range(0, 11)
UNITS = {  # what a number measures, by the unit written after it
    "percent": r"%|per\s?cent\b|percent\b",
    "ratio": r"×|x\b|times\b|-?fold\b",
    "time": r"s\b|ms\b|sec\b|seconds?\b(?!-)|min\b|minutes?\b|hours?\b",
    "size": r"[kKMG]i?B\b|(?:kilo|mega|giga)?bytes?\b",
    "pages": r"pages?\b",
}
UNIT_AFTER = {
    name: re.compile(rf"\s*(?:{pattern})", re.IGNORECASE)
    for name, pattern in UNITS.items()
}
# Times and sizes in words; "a second" alone is left out ("a second layer").
VAGUE_MEASURES = re.compile(
    r"\b(?:half an?\s+second"
    r"|(?:half an?|an?|one|a few|a couple of)\s+"
    r"(?:seconds|minutes?|hours?|(?:kilo|mega|giga)bytes?))\b",
    re.IGNORECASE,
)
# Years: four digits without a separator, in a range the book could cite.
YEARS = range(1800, 2101)

NUMBER = re.compile(
    # not inside a word (float32), a decimal, a LaTeX command or an index
    r"(?<![\w.\\^_])(?<![A-Za-z]-)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
    # nor followed by letters (3D, 64GB) or by more of a number
    r"(?!\w|\.\d|,\d{3})"
)
# Outputs are read generously: digits beside letters count too (600x350).
PRINTED_NUMBER = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+"
)
ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6,
          "billion": 10**9}
_NUMBER_WORD = "|".join([*ONES, *TENS, *SCALES])
NUMBER_WORDS = re.compile(
    rf"\b(?P<words>(?:(?:{_NUMBER_WORD}|a)[\s-]+(?:and[\s-]+)?)*?"
    rf"(?:{_NUMBER_WORD}))\b(?!-\w)",  # not "one-hot"
    re.IGNORECASE,
)
_SPACE = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # within a paragraph
REFERENCE = re.compile(
    rf"\b(?:chapter|section|figure|exercise|part)s?{_SPACE}\d+"
    rf"(?:{_SPACE}?(?:,|and|or|to|-|–){_SPACE}?\d+)*",
    re.IGNORECASE,
)
NOT_A_CLAIM = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"\$\$.*?\$\$", re.S), " ⟨math⟩ "),
    (re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S), "⟨math⟩"),
    (re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S), "⟨math⟩"),
    (re.compile(r"\]\([^)]*\)"), "]"),  # link and image targets
    (re.compile(r"https?://\S+|www\.\S+"), "⟨url⟩"),
    (re.compile(r"<[^>\n]+>"), " "),  # HTML tags and their attributes
    (REFERENCE, lambda match: re.sub(r"\d+", "#", match[0])),  # chapter #
    (re.compile(r"\bv?\d+(?:\.\d+){2,}\b|\b\d+\.x\b"), "⟨version⟩"),
]
HEADING_ORDINAL = re.compile(r"^(#+\s+)\d+(?:\.\d+)*[.)]?\s+")
LIST_ORDINAL = re.compile(r"^(\s*)(\d{1,3})[.)]\s+")


@dataclass(frozen=True)
class Unshown:
    """A number in the prose that the chapter does not show."""

    cell: int
    number: str
    sentence: str

    def __str__(self):
        return f"cell {self.cell}: {self.number!r} in: {self.sentence}"


def normalise(number: str) -> str:
    """The digits as printed, without thousands separators."""
    return number.replace(",", "").replace("_", "")


def words_value(words: str) -> int:
    """The value of a run of number words ("thirty-five", "a hundred")."""
    total, current = 0, 0
    for token in re.split(r"[\s-]+", words.lower()):
        if token == "a":
            current = max(current, 1)
        elif token in ONES or token in TENS:
            current += ONES.get(token, 0) + TENS.get(token, 0)
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in SCALES:
            total, current = total + max(current, 1) * SCALES[token], 0
    return total + current


def output_texts(output) -> list[str]:
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [output.evalue]
    data = output.get("data", {})
    kinds = ("text/plain", "text/markdown", "text/html", "text/latex")
    return [data[kind] for kind in kinds if kind in data]


def unit_after(text: str, end: int) -> str | None:
    """The kind of unit written right after a number that ends at `end`."""
    for name, pattern in UNIT_AFTER.items():
        if pattern.match(text, end):
            return name
    return None


def shown_numbers(notebook) -> tuple[set[tuple[str, str | None]], set[float]]:
    """Numbers in the outputs (as printed, with the kind of unit printed
    after them, if any) and in the code (by value)."""
    printed, literals = set(), set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for match in NUMBER.finditer(cell.source.replace("_", "")):
            literals.add(float(normalise(match["num"])))
        for output in cell.get("outputs", []):
            for text in output_texts(output):
                for match in PRINTED_NUMBER.finditer(text):
                    unit = unit_after(text, match.end())
                    for digits in (normalise(match[0]),
                                   normalise(match[0]).lstrip("0") or "0"):
                        printed |= {(digits, None), (digits, unit)}
    return printed, literals


def without_ordinals(source: str) -> str:
    """Heading numbers and ordered-list markers taken out of Markdown."""
    lines, in_list, after_blank = [], False, True
    for line in source.split("\n"):
        line = HEADING_ORDINAL.sub(r"\1", line)
        item = LIST_ORDINAL.match(line)
        # Mid-paragraph, "1895. It" starts no list: only a blank line, a
        # list already open or a "1." does.
        if item and (after_blank or in_list or item[2] == "1"):
            line, in_list = f"{item[1]}• {line[item.end():]}", True
        elif line.strip() and not line[:1].isspace():
            in_list = False
        after_blank = not line.strip()
        lines.append(line)
    return "\n".join(lines)


DIRECTIVE_OPEN = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")
DIRECTIVE_OPTION = re.compile(r"^:[\w-]+:")
SOLUTION_BEGINS, SOLUTION_ENDS = "\x01", "\x02"  # marks that survive prose_of


def unwrap_directives(source: str, in_solution: bool = False) -> tuple[str, bool]:
    """The cell with the fences and options of its MyST directives taken out (a title kept as
    text), solution text between SOLUTION_BEGINS and SOLUTION_ENDS; and whether a solution is
    still open at the end of the cell (a solution-start block runs on over the cells after it)."""
    out, fences, option_lines = [], [], False
    if in_solution:
        out.append(SOLUTION_BEGINS)
    for line in source.split("\n"):
        opened = DIRECTIVE_OPEN.match(line)
        if opened:
            fence, name, title = opened.groups()
            fences.append((fence, name))
            option_lines = True
            if name in ("solution", "solution-start"):
                out.append(SOLUTION_BEGINS)
            if name == "solution-end":
                out.append(SOLUTION_ENDS)
            elif title and name not in ("solution", "solution-start"):  # its target is a label
                out.append(title)
            continue
        if option_lines and DIRECTIVE_OPTION.match(line):
            continue
        option_lines = False
        if fences and line.strip() == fences[-1][0]:
            fence, name = fences.pop()
            if name == "solution":
                out.append(SOLUTION_ENDS)
            continue
        out.append(line)
    text = "\n".join(out)
    return text, text.rfind(SOLUTION_BEGINS) > text.rfind(SOLUTION_ENDS)


def prose_of(source: str) -> str:
    """A Markdown cell with what is not a claim about a result taken out."""
    for pattern, placeholder in NOT_A_CLAIM:
        source = pattern.sub(placeholder, source)
    return without_ordinals(source)


SENTENCE_END = re.compile(r"[.?!](?=\s)|\n\s*\n|\n(?=\s*[-*+•]\s)")


def sentence_at(text: str, position: int) -> str:
    """The sentence, or list item, around `position`, on one line."""
    start, end = 0, len(text)
    for boundary in SENTENCE_END.finditer(text):
        if boundary.end() <= position:
            start = boundary.end()
        elif boundary.start() >= position:
            end = boundary.end()
            break
    return " ".join(text[start:end].split())


def numbers_in(text: str):
    """(start, end, as written, value) of each number, in digits or words."""
    for match in NUMBER.finditer(text):
        number = match["num"]
        yield match.start(), match.end(), number, float(normalise(number))
    for match in NUMBER_WORDS.finditer(text):
        if not re.search(r"\d\s*$", text[: match.start()]):  # "1.3 million"
            words = " ".join(match["words"].split())
            yield match.start(), match.end(), words, words_value(words)


def unshown_numbers(notebook) -> list[Unshown]:
    """Every number in the prose not printed, not in the code, not allowed."""
    printed, literals = shown_numbers(notebook)
    found, exercises_began, in_solution = [], False, False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        unwrapped, still_open = unwrap_directives(cell.source, in_solution)
        text = prose_of(unwrapped)
        in_solution = still_open
        heading = text.find("## Exercises")
        exercises = 0 if exercises_began else (
            len(text) if heading < 0 else heading)
        exercises_began = exercises_began or heading >= 0
        for start, end, number, amount in numbers_in(text):
            in_digits = number[0].isdigit() or number[0] == "."
            unit = unit_after(text, end)
            with_unit, percent = unit is not None, unit == "percent"
            whole = amount == int(amount) and "." not in number
            digits = normalise(number) if in_digits else str(amount)
            if (
                (digits, unit) in printed
                # code holds settings; a time or a size is a measurement
                or unit in (None, "percent") and amount in literals
                or percent and round(amount / 100, 12) in literals
                or amount in ALLOWED
                or amount in YEARS and re.fullmatch(r"\d{4}", number)
                or amount in SMALL_COUNTS and whole and not with_unit
                or start >= exercises and whole and not with_unit
                and not inside_solution(text, start)
            ):
                continue
            found.append(Unshown(index, number, sentence_at(text, start)))
        for match in VAGUE_MEASURES.finditer(text):
            sentence = sentence_at(text, match.start())
            found.append(Unshown(index, match[0], sentence))
    return found


def inside_solution(text: str, position: int) -> bool:
    before = text[:position]
    return before.rfind(SOLUTION_BEGINS) > before.rfind(SOLUTION_ENDS)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_shown_by_the_chapter(path):
    unshown = unshown_numbers(nbformat.read(path, as_version=4))
    assert not unshown, (
        f"{path.stem}: numbers in the prose that no output of the chapter "
        "prints and no code cell holds (print them, or refer to 'the output "
        "above'); cells count from 0:\n" + "\n".join(map(str, unshown))
    )


# The extractor itself, on small notebooks whose answer is known.


def notebook_of(markdown: str, printed: str = "", code: str = "x = 1"):
    cell = new_code_cell(code)
    cell.outputs = [new_output("stream", name="stdout", text=printed)]
    return new_notebook(cells=[cell, new_markdown_cell(markdown)])


def numbers_unshown(markdown, printed="", code="x = 1") -> list[str]:
    notebook = notebook_of(markdown, printed, code)
    return [unshown.number for unshown in unshown_numbers(notebook)]


def test_a_number_no_output_shows_fails_and_one_printed_passes():
    markdown = "The model reaches a perplexity of 4.45."
    assert numbers_unshown(markdown, "perplexity 4.50") == ["4.45"]
    assert numbers_unshown(markdown, "perplexity 4.45") == []


def test_a_rounded_number_must_be_printed_as_rounded():
    assert numbers_unshown("A perplexity of about 5.5.", "5.47") == ["5.5"]


def test_thousands_separators_and_percent_signs_are_normalised():
    assert numbers_unshown("It has 17,898 parameters.", "17898") == []
    assert numbers_unshown("It has 17898 parameters.", "17,898") == []
    assert numbers_unshown("A 1.1 % margin.", "margin: 1.1%") == []
    assert numbers_unshown("A 1.1 % margin.", "margin: 1.2%") == ["1.1"]


def test_code_literals_and_documented_constants_pass():
    code = "train(35, lr=1e-2)"
    assert numbers_unshown("We unroll 35 steps at lr 0.01.", "", code) == []
    markdown = "The vocabulary has 28 tokens; the book is from 1895."
    assert numbers_unshown(markdown) == []


def test_math_code_links_references_and_ordinals_are_not_claims():
    markdown = (
        "## 3. Training\n\n1. See chapter 6, exercises 2 to 4, $2^{-23}$,\n"
        "   $$x_{512} = 99$$ and ![a figure](../figures/fig-17.svg) from\n"
        "https://d2l.ai/ch/9.5. PyTorch 2.13.0, float32, as in d2l.\n\n"
        "```\nppl = 4.45\n```"
    )
    assert numbers_unshown(markdown) == []


def test_a_number_that_starts_a_line_mid_paragraph_is_not_an_ordinal():
    markdown = "The corpus is from\n1895. It has\n17,898. words"
    assert numbers_unshown(markdown) == ["17,898"]


def test_number_words_are_read_and_small_counts_need_no_unit():
    assert numbers_unshown("It trains in about twenty seconds.") == ["twenty"]
    assert numbers_unshown("Thirty-five steps.", "", "steps = 35") == []
    assert numbers_unshown("About a hundred steps.") == ["a hundred"]
    assert numbers_unshown("Two biases, 3 layers, the 5-gram, one-hot.") == []
    markdown = "About 5 seconds, 3 % of the time; 1 second."
    assert numbers_unshown(markdown) == ["5", "3", "1"]


def test_the_message_names_the_cell_and_the_sentence():
    markdown = "Short. It has 17,898 parameters. Then more."
    [unshown] = unshown_numbers(notebook_of(markdown))
    assert str(unshown) == "cell 1: '17,898' in: It has 17,898 parameters."


def test_a_percentage_may_be_a_code_fraction_but_a_measurement_may_not():
    code = "val_fraction = 0.1"
    assert numbers_unshown("We hold out 10 %.", "", code) == []
    code = "predict(net, 100)"
    assert numbers_unshown("The weights take 100 KB.", "", code) == ["100"]


def test_a_number_with_a_unit_must_be_printed_with_one_of_its_kind():
    markdown = "It trains in about 20 seconds, 12 % of the run."
    assert numbers_unshown(markdown, "epoch 20 of 12") == ["20", "12"]
    printed = "20 epochs took 20 s: 12% of the run"
    assert numbers_unshown(markdown, printed) == []
    assert numbers_unshown("Twenty seconds.", "took 20 s") == []


def test_times_and_sizes_in_words_are_measurements():
    markdown = "It runs in half a minute and its weights make a megabyte."
    assert numbers_unshown(markdown) == ["half a minute", "a megabyte"]
    assert numbers_unshown("A second layer; one second-order term.") == []


def test_exercises_may_name_settings_to_try_but_not_results():
    markdown = "Text.\n\n## Exercises\n\n1. Train 1024 units. Beat 4.45?"
    assert numbers_unshown(markdown) == ["4.45"]
    markdown = markdown.replace("## Exercises", "## More")
    assert numbers_unshown(markdown) == ["1024", "4.45"]


EXERCISE = """## Exercises

```{exercise} Try 1024 units
:label: try-1024

Train with 1024 units and 500 epochs.
```

"""


def test_exercise_blocks_are_prose_and_solutions_must_show_their_numbers():
    solution = "```{solution} try-1024\n:class: dropdown\n\nIt reaches 4.45 after 30 epochs.\n```\n"
    assert numbers_unshown(EXERCISE + solution) == ["4.45", "30"]  # 1024 and 500: settings
    assert numbers_unshown(EXERCISE + solution, "4.45 after 30 epochs") == []


def test_a_gated_solution_runs_over_cells_and_its_numbers_are_checked():
    notebook = new_notebook(cells=[
        new_markdown_cell(EXERCISE + "````{solution-start} try-1024\n:class: dropdown\n````\n\nThe run:"),
        new_code_cell("x = 1"),
        new_markdown_cell("It took 40 epochs.\n\n```{solution-end}\n```\n\nNow train 2048 units."),
    ])
    assert [u.number for u in unshown_numbers(notebook)] == ["40"]
