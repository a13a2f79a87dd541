"""Pins the numeric environment for every test run from the repository (see scripts/numeric_env.py).

It runs before any test module imports torch and before nbval starts a kernel, so both the tests
and the chapters' kernels compute under the pins; where the pins cannot take effect, chapters are
checked in the portable mode and the run says so in its first lines and its last.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
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
