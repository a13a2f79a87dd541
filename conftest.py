"""Pins the numeric environment for every test run from the repository (see scripts/numeric_env.py),
and, under pytest-xdist, keeps together on one worker the tests that share a costly set-up.

The pins are applied before any test module imports torch and before nbval starts a kernel, so
both the tests and the chapters' kernels compute under them; where the pins cannot take effect,
chapters are checked in the portable mode and the run says so in its first lines and its last.
"""

import functools
import os
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
    if PORTABLE_REASON is not None and getattr(config.option, "nbval", False):
        # nbval's lax mode runs every cell and compares only cells tagged nbval-check-output.
        config.option.nbval_lax = True


def pytest_terminal_summary(terminalreporter):
    if PORTABLE_REASON is not None:
        terminalreporter.write_line(numeric_env.describe(PORTABLE_REASON), yellow=True)


@functools.cache
def stored_seconds(notebook: Path) -> float:
    """How long the stored run of `notebook` took, from the timings nbclient records in its cells
    (0 where they were stripped: that chapter then starts last)."""
    import nbformat  # here, not above: the unit tests run where only torch and pytest are installed

    seconds = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            end, start = (datetime.fromisoformat(timing[key]) for key in ("shell.execute_reply", "iopub.execute_input"))
            seconds += (end - start).total_seconds()
    return seconds


BOOK = "the built book"
# The modules whose tests use the built book (the session-wide `html` fixture, which each worker
# would build again): one group. pytest_collection_modifyitems stops the run if one is missing.
BOOK_MODULES = ("tests/test_book.py", "tests/test_browser.py", "tests/test_exercises.py")
READER_RUNS = "tests/test_reader_runs.py"


def is_reader_run(nodeid: str) -> bool:
    """Whether the test runs one chapter as a reader does (READER_RUNS's tests of a `chapter`)."""
    return nodeid.startswith(READER_RUNS + "::") and "[" in nodeid


def group_of(nodeid: str) -> str:
    """The group of tests that runs on one worker under pytest-xdist, from the test's id alone. A
    notebook's cells share one kernel; the tests of the built book share one build; each
    chapter's reader run is a group of its own; the other tests of a module share its fixtures."""
    module = nodeid.split("::")[0]
    if module in BOOK_MODULES:
        return BOOK
    if is_reader_run(nodeid):
        return nodeid
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config) -> int:
    """`--numprocesses=auto`: one worker per CPU this process may use (xdist would count the
    machine's physical cores), as each runs its chapters on one thread."""
    return numeric_env.cores()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Every load-balancing mode of pytest-xdist (`make test` asks for loadgroup) schedules this
    file's groups, whole, in the order the workers collected them. (xdist's own loadgroup reads
    groups from xdist_group marks, which it writes into a test id that pytest 9 no longer reads:
    pytest-xdist issue 1386.)"""
    if config.option.dist in ("no", "each"):
        return None
    if config.option.dist not in ("load", "loadscope", "loadfile", "loadgroup"):
        raise pytest.UsageError(f"--dist={config.option.dist} would split a notebook's cells between workers: "
                                "use --dist=loadgroup, as `make test` does")
    from importlib import metadata

    from xdist.scheduler import LoadScopeScheduling

    # Overriding _split_scope is how xdist's own LoadScopeScheduling subclasses choose their groups.
    if not metadata.version("pytest-xdist").startswith("3."):
        raise pytest.UsageError(f"pytest-xdist {metadata.version('pytest-xdist')} is installed; conftest.py's "
                                "scheduling was checked with 3.8 only: install requirements.lock")

    class GroupScheduling(LoadScopeScheduling):
        """xdist's scheduling by scope, with group_of as the scope of a test."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    # The workers' order (pytest_collection_modifyitems), not xdist's largest group first, which
    # would start the chapters' reader runs, one test each, last.
    config.option.loadscopereorder = False
    return GroupScheduling(config, log)


def expected_seconds(item: pytest.Item) -> float | None:
    """How long the chapter that `item` runs (its cells under nbval, or all of it as a reader) took
    when its outputs were stored; None if `item` runs no chapter."""
    if Path(item.path).suffix == ".ipynb":
        return stored_seconds(Path(item.path))
    if is_reader_run(item.nodeid):
        return stored_seconds(item.callspec.params["chapter"])
    return None


def on_a_worker(config) -> bool:
    """Whether this process is a pytest-xdist worker."""
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On pytest-xdist's workers, order the groups so that the workers finish together: the book's
    tests first (a long group, and one that must run at full priority), then the chapters,
    longest first, then the rest, short tests that fill the gaps."""
    if not on_a_worker(config):
        return
    for item in items:
        if "html" in getattr(item, "fixturenames", ()) and group_of(item.nodeid) != BOOK:
            raise pytest.UsageError(f"{item.nodeid} uses the built book: add its module to BOOK_MODULES "
                                    "in conftest.py, so that the book is built once")

    def rank(item: pytest.Item) -> tuple[int, float]:
        if group_of(item.nodeid) == BOOK:
            return (0, 0.0)
        seconds = expected_seconds(item)
        return (1, -seconds) if seconds is not None else (2, 0.0)

    items.sort(key=rank)  # stable: each group's tests keep their order


@functools.cache
def yield_to_the_browser() -> None:
    """Lower this worker's priority, and so its kernels', once: the browser tests time the page's
    responsiveness, and a chapter training beside them must not take the page's turns."""
    os.nice(10)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before nbval starts a notebook's kernel, which inherits the priority. The book's group runs
    # first on its worker, so no worker lowers its priority before the browser tests are done.
    if on_a_worker(item.config) and group_of(item.nodeid) != BOOK:
        yield_to_the_browser()
