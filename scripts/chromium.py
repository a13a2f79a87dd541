"""The one Chromium the browser test and the page benchmark drive: $CHROMIUM, else chromium on
the PATH. Playwright never downloads a browser here."""

import os
import shutil

MISSING = "no Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/it"
# Without the background-networking flags Chromium keeps calling Google's servers.
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


def find() -> str | None:
    """The path of the Chromium to drive, or None if there is none."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
