"""Editing a script of charrnn/js is cheap: no chapter re-run, for nbval, the book or the notebooks."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

from charrnn import pages

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import nodejs  # noqa: E402
import refresh_panels  # noqa: E402

PANEL_CHAPTERS = ["rnn_scratch", "rnn_concise", "hidden_units"]
COMMENT = "// an edited comment\n"


def nbval_sanitize(text: str) -> str:
    """`text` as strict nbval compares it, under the project's sanitize file."""
    for regex, replace in get_sanitize_patterns((ROOT / "tests" / "nbval_sanitize.cfg").read_text()):
        text = re.sub(regex, replace, text)  # as nbval's sanitize does
    return text


@pytest.fixture
def edited_sampler(monkeypatch, tmp_path):
    """charrnn/js with one more comment line in sampler.js, as after a maintainer's edit."""
    edited = tmp_path / "js"
    shutil.copytree(str(pages.JS), edited)
    sampler = edited / "sampler.js"
    sampler.write_text(COMMENT + sampler.read_text())
    monkeypatch.setattr(pages, "JS", edited)


def stored_panels(name: str) -> list[str]:
    notebook = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    return [output["data"]["text/html"] for cell in notebook.cells for output in cell.get("outputs", [])
            if "charrnn-code" in output.get("data", {}).get("text/html", "")]


def test_every_chapter_with_a_panel_stores_its_scripts_marked():
    for name in PANEL_CHAPTERS:
        panels = stored_panels(name)
        assert panels, f"{name} stores no panel"
        for page in panels:
            blocks = pages.SCRIPT_BLOCK.findall(page)
            assert blocks and all(name in pages.BUNDLES for _, name, _ in blocks)
            assert '"worker"' not in page.split('class="charrnn-data">', 1)[1].split("</script>", 1)[0]


def test_an_edit_to_a_script_changes_nothing_strict_nbval_compares(edited_sampler):
    checked = 0
    for name in PANEL_CHAPTERS:
        for page in stored_panels(name):
            edited = pages.refresh_scripts(page)
            if not any("sampler.js" in pages.BUNDLES[name] for _, name, _ in pages.SCRIPT_BLOCK.findall(page)):
                continue
            assert COMMENT in edited and edited != page  # the edit is there ...
            assert nbval_sanitize(edited) == nbval_sanitize(page)  # ... and nbval does not see it
            checked += 1
    assert checked >= 2, "the sampler and trainer panels carry sampler.js"


def test_the_sanitize_file_and_the_package_mark_the_same_blocks():
    page = pages.script_block("trainer") + "\n<p>kept</p>\n" + pages.script_block("trainer-worker", runs=False)
    sanitized = nbval_sanitize(page)
    assert sanitized.count("SCRIPTS</script>") == 2 and "<p>kept</p>" in sanitized
    assert len(pages.SCRIPT_BLOCK.findall(page)) == 2


def test_refresh_panels_writes_the_edited_script_into_the_stored_outputs_in_seconds(edited_sampler, tmp_path):
    copies = [shutil.copy(ROOT / "chapters" / f"{name}.ipynb", tmp_path) for name in PANEL_CHAPTERS]
    start = time.perf_counter()
    changed = [refresh_panels.refresh(Path(copy)) for copy in copies]
    seconds = time.perf_counter() - start
    assert seconds < 60, f"refreshing took {seconds:.0f} s"
    assert changed[0] >= 1 and changed[1] >= 1 and changed[2] == 0  # hidden_units has no sampler
    for name, copy in zip(PANEL_CHAPTERS, copies):
        before = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
        after = nbformat.read(copy, as_version=4)
        assert len(before.cells) == len(after.cells)
        for old, new in zip(before.cells, after.cells):  # only the panels' scripts changed
            assert new.source == old.source and len(new.get("outputs", [])) == len(old.get("outputs", []))
            for old_output, new_output in zip(old.get("outputs", []), new.get("outputs", [])):
                old_data, new_data = dict(old_output.get("data", {})), dict(new_output.get("data", {}))
                if "text/html" in old_data:
                    old_data["text/html"] = nbval_sanitize(old_data["text/html"])
                    new_data["text/html"] = nbval_sanitize(new_data["text/html"])
                assert new_data == old_data
        assert (COMMENT.strip() in nbformat.writes(after)) == (name != "hidden_units")


def test_a_script_that_would_close_its_own_tag_is_refused(monkeypatch, tmp_path):
    (tmp_path / "random.js").write_text("const tag = '</script>';")
    monkeypatch.setattr(pages, "JS", tmp_path)
    with pytest.raises(ValueError, match="charrnn/js/random.js contains '</script'"):
        pages.bundle(["random.js"])


@pytest.mark.skipif(nodejs.find("node") is None and not os.environ.get("CI"), reason=nodejs.MISSING)
def test_every_script_adds_only_the_charrnn_namespace_to_the_global_scope():
    # Each file runs as a classic script (as the page runs it), after the files before it in its
    # bundle, each bundle in a fresh context. Helpers live inside the files (an older trainer.js
    # put `normal` and `transpose` on window); the worker's own file sets only its onmessage.
    script = """
        const vm = require("vm"), fs = require("fs"), path = require("path");
        const js = process.argv[1], bundles = JSON.parse(fs.readFileSync(path.join(js, "bundles.json")));
        const added = {};
        for (const [bundle, files] of Object.entries(bundles)) {
          if (bundle === "//") continue;
          const context = vm.createContext({ atob, console });
          context.self = context;
          for (const file of files) {
            const before = new Set(Object.getOwnPropertyNames(context));
            vm.runInContext(fs.readFileSync(path.join(js, file), "utf8"), context);
            const names = Object.getOwnPropertyNames(context).filter((name) => !before.has(name));
            // What a file adds after another has made the namespace: nothing, or only onmessage.
            added[file] = [...(added[file] ?? []), ...names, ...(before.has("charrnn") ? ["charrnn"] : [])];
          }
        }
        console.log(JSON.stringify(added));
    """
    result = subprocess.run([nodejs.find("node"), "-e", script, str(pages.JS)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    added = json.loads(result.stdout)
    every_file = {path.name for path in Path(str(pages.JS)).glob("*.js")}
    assert set(added) == every_file and every_file == {f for files in pages.BUNDLES.values() for f in files}
    for file, names in added.items():
        expected = ["onmessage", "charrnn"] if file == "train_worker.js" else ["charrnn"]
        assert set(names) == set(expected), (file, names)
