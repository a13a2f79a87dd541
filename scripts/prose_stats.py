"""How long the book's sentences are, per page, in both editions.

    python scripts/prose_stats.py

English: words per sentence, and the share of sentences over 40 words. Chinese: characters per
sentence (a CJK character, a Latin word or a number counts as one), and the share over 80.
Measured on the prose only: code, math, tables, headings, HTML and directive options are left
out; exercises, hints and solutions are prose and count.
"""

import json
import re
import statistics
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["intro", "notation"] + [line.split("chapters/")[1].strip()
                     for line in (ROOT / "_toc.yml").read_text().splitlines() if "chapters/" in line]
LONG = {"en": 40, "zh_CN": 80}

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
# Directives whose body is prose; every other fenced block (code, math, literalinclude) is left out.
PROSE_DIRECTIVES = re.compile(r"\{(exercise|solution|solution-start|hint|note|tip|warning|important|"
                              r"admonition|seealso|caution|attention)\}")
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
INLINE = re.compile(r"\{math\}`[^`]+`|\$[^$\n]+\$|``.+?``|`[^`]+`")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
HTML = re.compile(r"<[^>]+>")
ROLE = re.compile(r"\{[\w:-]+\}")
# Full stops that do not end a sentence.
ABBREVIATIONS = re.compile(r"\b(?i:e\.g|i\.e|et al|vs|cf|fig|no|dr|mr|mrs)\.|\b[A-Z]\.(?= [A-Z])")
ENGLISH_END = re.compile(r"(?<=[.!?])[\"'”’)\]*_]*\s+")
CHINESE_END = re.compile(r"(?<=[。！？；])|(?<=[.!?])\s+")
WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")
CHINESE_UNIT = re.compile(r"[\u3400-\u9fff]|[A-Za-z0-9][\w'’.-]*")


def prose_lines(markdown: str) -> list[str]:
    """The lines of `markdown` that are prose: no fenced code or math, tables, headings or options."""
    markdown = DISPLAY_MATH.sub(" ", markdown)
    kept, skipping = [], []  # skipping: a stack of open fences, True where the block is left out
    for line in markdown.splitlines():
        stripped = line.strip()
        fence = FENCE.match(stripped)
        if fence:
            if skipping and not fence.group(2).strip() and fence.group(1)[0] * 3 in stripped:
                skipping.pop()
                continue
            if fence.group(2).strip():
                left_out = bool(skipping and skipping[-1]) or not PROSE_DIRECTIVES.match(fence.group(2).strip())
                skipping.append(left_out)
                continue
        if skipping and skipping[-1]:
            continue
        if stripped.startswith(("#", "|", ":", "<")) or not stripped:
            kept.append("")  # a break: a sentence never runs across a heading or a blank line
            continue
        kept.append(stripped)
    return kept


def paragraphs(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def clean(paragraph: str) -> str:
    paragraph = INLINE.sub(" X ", paragraph)  # a symbol or a name reads as one word
    paragraph = LINK.sub(r"\1", paragraph)
    paragraph = ROLE.sub("", HTML.sub(" ", paragraph))
    return re.sub(r"^([-*+]|\d+\.)\s+", "", paragraph)


def english_sentences(markdown: str) -> list[int]:
    """Words in each sentence of `markdown`."""
    lengths = []
    for paragraph in paragraphs(prose_lines(markdown)):
        for item in re.split(r"\s(?=(?:[-*+]|\d+\.)\s)", clean(paragraph)):  # list items end sentences
            item = ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", ""), clean(item))
            for sentence in ENGLISH_END.split(item):
                words = WORD.findall(sentence)
                if words:
                    lengths.append(len(words))
    return lengths


def chinese_sentences(markdown: str) -> list[int]:
    """Characters (CJK characters, Latin words and numbers) in each sentence of `markdown`."""
    lengths = []
    for paragraph in paragraphs(prose_lines(markdown)):
        for item in re.split(r"\s(?=(?:[-*+]|\d+\.)\s)", clean(paragraph)):
            for sentence in CHINESE_END.split(clean(item)):
                units = CHINESE_UNIT.findall(sentence)
                if units:
                    lengths.append(len(units))
    return lengths


def english_markdown(page: str) -> str:
    if page in ("intro", "notation"):
        return (ROOT / f"{page}.md").read_text(encoding="utf-8")
    notebook = json.loads((ROOT / "chapters" / f"{page}.ipynb").read_text(encoding="utf-8"))
    return "\n\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")


def chinese_markdown(page: str) -> str:
    folder = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"
    po = folder / (f"{page}.po" if page in ("intro", "notation") else f"chapters/{page}.po")
    with po.open("rb") as f:
        catalog = read_po(f)
    # One message is one paragraph, list item, heading or table cell of the English source; a
    # message that holds math or code only translates to itself and is not prose.
    return "\n\n".join(message.string for message in catalog
                       if message.id and message.string and not message.id.startswith(("$$", "```")))


def lengths(page: str, edition: str) -> list[int]:
    if edition == "en":
        return english_sentences(english_markdown(page))
    return chinese_sentences(chinese_markdown(page))


def summary(sentence_lengths: list[int], edition: str) -> tuple[float, float]:
    """Mean length and the percentage of sentences over LONG[edition]."""
    over = sum(n > LONG[edition] for n in sentence_lengths)
    return statistics.mean(sentence_lengths), 100 * over / len(sentence_lengths)


def main() -> None:
    for edition, unit in (("en", "words"), ("zh_CN", "characters")):
        print(f"{edition}: {unit} per sentence, % of sentences over {LONG[edition]}")
        for page in PAGES:
            found = lengths(page, edition)
            mean, over = summary(found, edition)
            print(f"  {page:22s} {len(found):4d} sentences  mean {mean:5.1f}  over {over:4.1f} %  "
                  f"longest {max(found)}")


if __name__ == "__main__":
    sys.exit(main())
