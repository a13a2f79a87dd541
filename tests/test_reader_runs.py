"""Every chapter run as a reader runs it: alone in an empty folder, a plain kernel, no pins.

The stored outputs are checked under the project's numeric pins (`make test`'s nbval run); this
checks the promise each chapter's asserts make to a reader, whose machine is not pinned. It runs
the one reader environment least like the pinned one on this machine (`scripts/reader_run.py`
says which), one chapter per test; `make reader-runs` runs two environments.
"""

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import execute_notebooks  # noqa: E402
import reader_run  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")  # once per worker: the reader runs may come between other tests
def ci_environment() -> tuple[str, dict[str, str]]:
    name = reader_run.resolve("ci", dict(os.environ))
    return name, reader_run.reader_environment(name, dict(os.environ))


# One test per chapter, so that `make test` (pytest-xdist) runs them on every core, one thread each.
@pytest.mark.parametrize("chapter", execute_notebooks.chapters_in_toc(), ids=lambda path: path.stem)
def test_the_chapter_runs_green_for_a_reader(chapter, ci_environment):
    name, environ = ci_environment
    seconds, problem = reader_run.run(chapter, environ)
    assert problem is None, f"{chapter.stem}, as a reader runs it ({name}), failed after {seconds:.0f} s:\n{problem}"


def test_a_reader_run_fails_on_a_failing_assert_and_on_a_link_outside_the_notebook(tmp_path):
    environ = reader_run.reader_environment("native", dict(os.environ))
    failing = tmp_path / "failing.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("assert 1 + 1 == 3, 'arithmetic'")]), failing)
    assert "arithmetic" in reader_run.run(failing, environ)[1]
    linked = tmp_path / "linked.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("![a figure](../figures/x.svg)")]), linked)
    assert "../figures/x.svg" in reader_run.run(linked, environ)[1]
    allowed = tmp_path / "allowed.ipynb"
    raising = new_code_cell("raise RuntimeError('on purpose')")
    raising.metadata["tags"] = ["raises-exception"]
    nbformat.write(new_notebook(cells=[raising, new_markdown_cell("[d2l](https://d2l.ai)")]), allowed)
    assert reader_run.run(allowed, environ)[1] is None


def test_the_reader_environments_drop_the_pins():
    pinned = {"PATH": os.environ["PATH"], "ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2,STRICT",
              "OMP_NUM_THREADS": "2", "MKL_DYNAMIC": "FALSE"}
    native = reader_run.reader_environment("native", pinned)
    assert native == {"PATH": os.environ["PATH"]}
    plain = reader_run.reader_environment("default-1-thread", pinned)
    assert plain["ATEN_CPU_CAPABILITY"] == "default" and plain["OMP_NUM_THREADS"] == "1"
    assert "MKL_CBWR" not in plain and "MKL_DYNAMIC" not in plain
    assert reader_run.resolve("ci", pinned) in ("native-1-thread", "default-1-thread")
    assert reader_run.jobs(plain) == len(os.sched_getaffinity(0)) and reader_run.jobs(native) == 1


def test_the_seed_shift_moves_torch_manual_seed_and_nothing_else():
    notebook = new_notebook(cells=[
        new_code_cell("torch.manual_seed(0)\ng = torch.Generator().manual_seed(7)\ntorch.manual_seed(12)"),
        new_markdown_cell("torch.manual_seed(0) in prose stays"),
    ])
    reader_run.shift_seeds(notebook, 2)
    assert notebook.cells[0].source == "torch.manual_seed(2)\ng = torch.Generator().manual_seed(7)\ntorch.manual_seed(14)"
    assert notebook.cells[1].source == "torch.manual_seed(0) in prose stays"
