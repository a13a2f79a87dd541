import functools
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import nodejs  # noqa: E402  (the one Node.js of the build and the tests)


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    """The book (both editions) built from the stored notebooks, warnings as errors, into a temporary
    folder: English in the folder returned, Chinese in its zh_CN/."""
    # The book build's extension knows whether its assets are cached. It needs Sphinx, which the
    # unit tests do not: imported here, they run where only torch and pytest are installed.
    sys.path.insert(0, str(ROOT / "_ext"))
    import offline_assets
    if not offline_assets.is_fetched(ROOT / "_build" / "assets" / "vendor") and (problem := npm_registry_unreachable()):
        pytest.skip(f"the book's offline assets are not cached and must come from the npm registry: {problem}")
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "_build" / "html"


@functools.cache
def npm_registry_unreachable() -> str:
    """Why npm cannot reach its registry now, or "" if it can; asked once per session."""
    npm = nodejs.find("npm")
    if npm is None:
        return nodejs.MISSING
    try:
        ping = subprocess.run([npm, "ping", "--fetch-retries=0", "--fetch-timeout=5000"],
                              capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        return "npm ping got no answer in 15 s"
    if ping.returncode == 0:
        return ""
    said = [line for line in ping.stderr.splitlines() if line.startswith(("npm notice PING", "npm error code"))]
    return "; ".join(said) or f"npm ping failed with exit status {ping.returncode}"


def pytest_collection_modifyitems(config, items):
    # A test that needs the built book is slow: the build takes a minute or more.
    for item in items:
        if "html" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item):
    # Skipped, not failed: a registry that cannot be reached says nothing about the code.
    if item.get_closest_marker("needs_npm_registry") and (problem := npm_registry_unreachable()):
        pytest.skip(f"needs the npm registry: {problem}")
