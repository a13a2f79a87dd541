"""Write the current scripts of `charrnn/js/` into the panels stored in the chapters' outputs.

    python scripts/refresh_panels.py                  # every chapter
    python scripts/refresh_panels.py chapters/rnn_scratch.ipynb

Not needed for the tests or the book: strict nbval leaves the panels' scripts out of its
comparison, and the book build puts the current scripts in place. This is for readers who open
a stored notebook without running it. It runs no cell and takes seconds.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from charrnn import pages
import execute_notebooks


def refresh(path: Path) -> int:
    """Refresh the panels stored in notebook `path` in place; returns how many outputs changed."""
    notebook = nbformat.read(path, as_version=4)
    changed = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            page = output.get("data", {}).get("text/html")
            if page and "charrnn-code" in page:
                refreshed = pages.refresh_scripts(page)
                if refreshed != page:
                    output["data"]["text/html"] = refreshed
                    changed += 1
    if changed:
        nbformat.write(notebook, path)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks (default: every chapter)")
    args = parser.parse_args()
    for path in args.chapters or execute_notebooks.chapters_in_toc():
        print(f"{path}: {refresh(path)} panel outputs refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
