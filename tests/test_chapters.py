"""The chapters as files: listed in the table of contents, set up for Colab, stored executed."""

import base64
import hashlib
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import reader_run  # noqa: E402
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [ROOT / f"{entry['file']}.ipynb" for entry in TOC["chapters"] if entry["file"].startswith("chapters/")]


def test_toc_lists_every_chapter_and_nothing_else():
    assert all(path.exists() for path in CHAPTERS)
    assert sorted(CHAPTERS) == sorted((ROOT / "chapters").glob("*.ipynb"))


def test_launch_buttons_point_at_the_repository_branch():
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert CONFIG["repository"]["branch"] == "main"
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", CONFIG["repository"]["url"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_first_cell_installs_charrnn_from_the_configured_repository_on_colab_only(path):
    cell = nbformat.read(path, as_version=4).cells[0]
    source = cell.source
    assert cell.cell_type == "code"
    assert "remove-cell" in cell.metadata.get("tags", []), "the setup cell is not part of the HTML page"
    assert 'if "google.colab" in sys.modules:' in source
    installs = [line.strip() for line in source.splitlines() if "pip install" in line]
    assert installs == [f'%pip install -q --no-deps "charrnn @ git+{CONFIG["repository"]["url"]}"'], (
        "one install, from _config.yml's repository, without dependencies: Colab's CUDA torch stays"
    )
    assert "torch.cuda.is_available()" in source and "Change runtime type" in source
    assert "torch.backends.cudnn.allow_tf32 = False" in source, "full float32 on every GPU, Colab's A100 too"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_are_stored_executed_in_order_without_errors_or_warnings(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "run top to bottom by `make notebooks`"
    for cell in code:
        errors = [output for output in cell.outputs if output.output_type == "error"]
        # A cell tagged raises-exception shows an error on purpose, and must show one.
        assert bool(errors) == ("raises-exception" in cell.metadata.get("tags", [])), cell.source[:80]
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                assert "Warning" not in output.text, output.text


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_a_summary_and_exercises(path):
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert markdown.startswith("# ")
    assert "## Summary" in markdown and "## Exercises" in markdown


# The panel each widget chapter displays, by its controls: (widget model, description).
PANEL_CONTROLS = {
    "rnn_scratch": {  # charrnn.widgets.Sampler
        ("TextModel", "prefix"), ("ToggleButtonsModel", "decoding"), ("FloatLogSliderModel", "temperature"),
        ("IntSliderModel", "characters"), ("IntTextModel", "seed"),
    },
    "rnn_concise": {  # charrnn.widgets.HiddenSizeExplorer
        ("SelectionSliderModel", "hidden size"), ("ButtonModel", "Train"), ("IntProgressModel", "epochs"),
    },
}
VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("name", PANEL_CONTROLS)
def test_widget_chapters_store_the_state_of_the_panel_they_display(name):
    notebook = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views = [output.data[VIEW]["model_id"] for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs if VIEW in output.get("data", {})]
    assert views and all(view in state for view in views), "every displayed widget has its state stored"

    def widgets_in(model_id):
        """(model, description) of a stored widget and of every widget inside it."""
        model = state[model_id]
        found = {(model["model_name"], model["state"].get("description"))}
        for child in model["state"].get("children", []):
            found |= widgets_in(child.removeprefix("IPY_MODEL_"))
        return found

    expected = PANEL_CONTROLS[name]
    assert any(expected <= widgets_in(view) for view in views), f"no displayed panel holds {expected}"


def test_markdown_points_at_no_file_a_notebook_opened_alone_cannot_reach():
    for path in CHAPTERS:
        notebook = nbformat.read(path, as_version=4)
        assert reader_run.local_links(notebook) == [], path.stem


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figures_travel_as_attachments_rendered_from_the_current_svg(path):
    for cell in nbformat.read(path, as_version=4).cells:
        images = re.findall(r"\]\(attachment:([\w.-]+)\)", cell.source)
        assert sorted(cell.get("attachments", {})) == sorted(images), "every image attached, nothing else"
        for image in images:
            svg = (ROOT / "figures" / image).with_suffix(".svg")
            recorded = cell.metadata["figure_sha256"][svg.name]
            assert recorded == hashlib.sha256(svg.read_bytes()).hexdigest(), (
                f"{image} is older than {svg.name}: run python figures/make_figures.py"
            )
            assert base64.b64decode(cell.attachments[image]["image/png"]).startswith(b"\x89PNG")


PAGE_WIDTH = 80
# The one line allowed past the page: the setup cell's install, kept whole so that it reads as one command.
INSTALL = f'%pip install -q --no-deps "charrnn @ git+{CONFIG["repository"]["url"]}"'


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    too_long = [
        f"{path.stem}, cell {number} (counting all cells from 0): {len(line)} characters: {line!r}"
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > PAGE_WIDTH and not (number == 0 and line.strip() == INSTALL)
    ]
    assert not too_long, f"code lines longer than {PAGE_WIDTH} characters:\n" + "\n".join(too_long)


def test_the_epoch_without_detach_fails_as_the_chapter_says():
    notebook = nbformat.read(ROOT / "chapters" / "rnn_scratch.ipynb", as_version=4)
    raised = [
        (cell.outputs[-1].ename, cell.outputs[-1].evalue)
        for cell in notebook.cells
        if "raises-exception" in cell.metadata.get("tags", [])
    ]
    assert [name for name, _ in raised] == ["RuntimeError", "RuntimeError"]
    assert "backward through the graph a second time" in raised[0][1]
    assert "modified by an inplace operation" in raised[1][1]
