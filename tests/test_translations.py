"""The Chinese edition's translations (locale/zh_CN) against the English notebooks.

Every string translated and none fuzzy; the .po files current with the notebooks (changing the
English prose without the translation fails here, on purpose: update with
`python scripts/build_book.py --translations`, translate what it marks); every number, every piece
of inline math and code and every link target of a translation the same as in its English
source; the glossary's terms used; the panels' words all translated.
"""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "zh_CN"
MESSAGES = LOCALE / "LC_MESSAGES"
PO_FILES = sorted(MESSAGES.rglob("*.po"))
GLOSSARY = yaml.safe_load((LOCALE / "glossary.yml").read_text(encoding="utf-8"))
sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402


def messages(po: Path) -> list:
    with po.open("rb") as f:
        catalog = read_po(f)
    return [m for m in catalog if m.id]


# Inline math, display math written inline, inline code, and link targets: copied, never translated.
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\{math\}`[^`]+`", re.S)
CODE = re.compile(r"``.+?``|`[^`]+`", re.S)
LINK_TARGET = re.compile(r"\]\(([^)]*)\)|<(https?://[^>]+)>")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def kept(text: str) -> dict[str, Counter]:
    """What a translation must keep as it is: numbers (outside math and code), math, code, links."""
    math = MATH.findall(text)
    rest = MATH.sub(" ", text)
    code = CODE.findall(rest)
    rest = CODE.sub(" ", rest)
    links = ["".join(groups) for groups in LINK_TARGET.findall(rest)]
    rest = LINK_TARGET.sub(" ", rest)
    return {"math": Counter(math), "code": Counter(code), "link targets": Counter(links),
            "numbers": Counter(NUMBER.findall(rest))}


def differences(english: str, chinese: str) -> list[str]:
    """What the translation `chinese` changed that it must keep from `english`, in words."""
    found = []
    source, target = kept(english), kept(chinese)
    for kind in source:
        if source[kind] != target[kind]:
            lost, added = source[kind] - target[kind], target[kind] - source[kind]
            found.append(f"{kind}: lost {sorted(lost.elements())}, added {sorted(added.elements())}")
    return found


def glossary_misses(english: str, chinese: str) -> list[str]:
    """Glossary terms in the English prose (outside math, code and links) missing from the translation."""
    prose = LINK_TARGET.sub(" ", CODE.sub(" ", MATH.sub(" ", english))).lower()
    return [f"{term} -> {zh}" for term, zh in GLOSSARY["terms"].items()
            if re.search(rf"(?<![\w-]){re.escape(term.lower())}(?:s|es)?(?![\w-])", prose) and zh not in chinese]


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(MESSAGES)))
def test_every_string_is_translated_and_none_is_fuzzy(po):
    untranslated = [m.id[:60] for m in messages(po) if not m.string]
    fuzzy = [m.id[:60] for m in messages(po) if m.fuzzy]
    assert untranslated == [] and fuzzy == [], f"untranslated: {untranslated}; fuzzy: {fuzzy}"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(MESSAGES)))
def test_numbers_math_code_and_links_are_as_in_english(po):
    wrong = {m.id[:60]: d for m in messages(po) if m.string and (d := differences(m.id, m.string))}
    assert wrong == {}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(MESSAGES)))
def test_glossary_terms_are_used(po):
    missing = {m.id[:60]: miss for m in messages(po) if m.string and (miss := glossary_misses(m.id, m.string))}
    assert missing == {}


def variants_used(chinese: str) -> list[str]:
    """The glossary's unwanted variants in a translation (outside math, code and links)."""
    prose = LINK_TARGET.sub(" ", CODE.sub(" ", MATH.sub(" ", chinese)))
    found = [f"{variant} -> {use}" for variant, use in GLOSSARY["variants"].items() if variant in prose]
    if re.search(r"\d %", prose):
        found.append("10 % -> 10%")
    return found


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(MESSAGES)))
def test_one_word_for_each_thing(po):
    used = {m.id[:60]: found for m in messages(po) if m.string and (found := variants_used(m.string))}
    assert used == {}


def test_panel_words_use_one_word_for_each_thing():
    panels = json.loads((LOCALE / "panels.json").read_text(encoding="utf-8"))
    assert {key: found for key, said in panels.items() if (found := variants_used(said))} == {}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(MESSAGES)))
def test_headers_are_filled_in(po):
    text = po.read_text(encoding="utf-8")
    header = text[:text.index('msgid "', text.index('msgstr ""'))]
    assert "#, fuzzy" not in header and "FULL NAME" not in header and "EMAIL@ADDRESS" not in header


def test_translations_are_current_with_the_notebooks(tmp_path):
    build_book.extract(tmp_path)
    extracted = {p.relative_to(tmp_path).with_suffix(".po"): p for p in tmp_path.rglob("*.pot")}
    assert sorted(extracted) == sorted(po.relative_to(MESSAGES) for po in PO_FILES), \
        "pages without a translation file, or translation files without a page"
    for name, pot in extracted.items():
        english = {m.id for m in messages(pot)}
        translated = {m.id for m in messages(MESSAGES / name)}
        assert english == translated, (
            f"{name} is stale: run `python scripts/build_book.py --translations` and translate; "
            f"new strings {sorted(s[:60] for s in english - translated)}, "
            f"gone {sorted(s[:60] for s in translated - english)}")


# The panels' words: every string the panels' scripts pass to charrnn.say, and every label of
# their markup, has its Chinese, with the same placeholders and numbers.
PANEL_WORDS = json.loads((LOCALE / "panels.json").read_text(encoding="utf-8"))
JS = ROOT / "charrnn" / "js"


def said_in_scripts() -> set[str]:
    said = set()
    for script in JS.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        # charrnn.say("..." + "...", ...) and say(cond ? "..." : "...", ...): every literal in the call's first argument.
        for call in re.finditer(r"\bsay\((.*?)(?:,\s*\{|\)\s*[;),])", text, re.S):
            said.update(json.loads(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', call.group(1)))
        for rule in re.finditer(r'const (?:rule|legend) = (.*?);', text, re.S):
            said.update(json.loads(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', rule.group(1)))
    joined = set()
    for script in JS.glob("*.js"):
        # Literals split over lines with +: join them back.
        for call in re.finditer(r'"((?:[^"\\]|\\.)*)" \+\s*\n\s*"((?:[^"\\]|\\.)*)"', script.read_text(encoding="utf-8")):
            joined.add(json.loads(f'"{call.group(1)}"') + json.loads(f'"{call.group(2)}"'))
    return {s for s in said if s.strip()} | joined


def test_panel_words_cover_every_message_of_the_panels():
    missing = sorted(s for s in said_in_scripts() if s not in PANEL_WORDS and not any(s in k for k in PANEL_WORDS))
    assert missing == []


def test_panel_words_keep_placeholders_and_numbers():
    for english, chinese in PANEL_WORDS.items():
        assert sorted(re.findall(r"\{\w+\}", english)) == sorted(re.findall(r"\{\w+\}", chinese)), english
        assert sorted(NUMBER.findall(english)) == sorted(NUMBER.findall(chinese)), english


def test_the_checks_catch_a_changed_number_math_and_a_glossary_miss():
    english = "Perplexity falls to 4.07 with $k = 1$ on the `dev` slice; see [here](#ladder)."
    good = "困惑度在 `dev` 切片上以 $k = 1$ 降到 4.07；见[此处](#ladder)。"
    assert differences(english, good) == [] and glossary_misses(english, good) == []
    assert differences(english, good.replace("4.07", "4.08")) == ["numbers: lost ['4.07'], added ['4.08']"]
    assert differences(english, good.replace("$k = 1$", "$k=1$"))[0].startswith("math:")
    assert glossary_misses(english, good.replace("困惑度", "复杂度")) == ["perplexity -> 困惑度"]
