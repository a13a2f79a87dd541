"""Pins the numeric environment for every test run from the repository (see scripts/numeric_env.py),
and, under pytest-xdist, keeps together on one worker the tests that share a costly set-up.

The pins are applied before any test module imports torch and before nbval starts a kernel, so
both the tests and the chapters' kernels compute under them; where the pins cannot take effect,
chapters are checked in the portable mode and the run says so in its first lines and its last.
"""

import functools
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "scripts"))
import numeric_env  # noqa: E402

PORTABLE_REASON = numeric_env.apply()


def pytest_report_header(config):
    return numeric_env.describe(PORTABLE_REASON)


def pytest_configure(config):
    if getattr(config.option, "dist", "no") == "loadgroup":
        # Keep the order pytest_collection_modifyitems gives the groups, rather than xdist's
        # (largest number of tests first, which would start the chapters' reader runs last).
        config.option.loadscopereorder = False
    if PORTABLE_REASON is not None and getattr(config.option, "nbval", False):
        # nbval's lax mode runs every cell and compares only cells tagged nbval-check-output.
        config.option.nbval_lax = True


def pytest_terminal_summary(terminalreporter):
    if PORTABLE_REASON is not None:
        terminalreporter.write_line(numeric_env.describe(PORTABLE_REASON), yellow=True)



@functools.cache
def stored_seconds(notebook: Path) -> float:
    """How long the stored run of `notebook` took, from the timings nbclient records in its cells."""
    import nbformat  # here, not above: the unit tests run where only torch and pytest are installed

    seconds = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            end, start = (datetime.fromisoformat(timing[key]) for key in ("shell.execute_reply", "iopub.execute_input"))
            seconds += (end - start).total_seconds()
    return seconds


BOOK = "the built book"


def work_unit(item, book_modules: set[Path]) -> tuple[str, float | None]:
    """The group `item` runs in on one worker, and how long the group's chapter takes (None: not
    a chapter). A notebook's cells share one kernel; each chapter's reader run is a group of its
    own; the tests of the built book share one build (the session-wide `html` fixture, which each
    worker would build again); the other tests of a module share its module-wide fixtures."""
    path = Path(item.path)
    if path.suffix == ".ipynb":
        return f"nbval {path.stem}", stored_seconds(path)
    chapter = getattr(item, "callspec", None) and item.callspec.params.get("chapter")
    if path.name == "test_reader_runs.py" and chapter:
        return f"reader run {chapter.stem}", stored_seconds(chapter)
    return (BOOK if path in book_modules else path.name), None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup` (`make test`), mark each test with its group, and order the groups
    so that the workers finish together: the book's tests first (the longest group, though light
    on the CPU), then the chapters, longest first, then the rest, short tests that fill the gaps."""
    if getattr(config.option, "dist", "no") != "loadgroup":
        return
    book_modules = {Path(item.path) for item in items if "html" in getattr(item, "fixturenames", ())}
    units = {item.nodeid: work_unit(item, book_modules) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(units[item.nodeid][0]))

    def rank(item) -> tuple[int, float]:
        group, seconds = units[item.nodeid]
        if group == BOOK:
            return (0, 0.0)
        return (1, -seconds) if seconds is not None else (2, 0.0)

    items.sort(key=rank)  # stable: each group's tests keep their order
