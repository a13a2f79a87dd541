"""Re-execute chapters in place, storing their outputs and widget state (what the book shows).

    python scripts/execute_notebooks.py                 # every chapter in _toc.yml
    python scripts/execute_notebooks.py chapters/x.ipynb

Run it after changing `charrnn` or a chapter, then commit the notebooks: strict nbval compares
a fresh run against what is stored, and the book build renders the stored outputs. The chapters
run under the project's numeric pins (numeric_env.py), and only where those take effect: outputs
stored anywhere else would fail everyone's checks. The pins give each chapter one thread, so one
chapter runs per core at once; a chapter's timings (cells tagged nbval-ignore-output) then time a
shared machine: to store the times a chapter's prose describes, execute that chapter alone.
"""

import concurrent.futures
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

import numeric_env

ROOT = Path(__file__).resolve().parent.parent


def chapters_in_toc() -> list[Path]:
    """The notebooks the table of contents lists, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [entry for part in toc.get("parts", [toc]) for entry in part.get("chapters", [])]
    return [ROOT / f"{entry['file']}.ipynb" for entry in entries if (ROOT / f"{entry['file']}.ipynb").exists()]


def execute(path: Path) -> float:
    """Run `path` top to bottom in its own folder and write it back; returns the seconds taken."""
    print(f"{path.relative_to(ROOT)}: executing...", flush=True)
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(notebook, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    reason = numeric_env.apply()
    print(numeric_env.describe(reason), flush=True)
    if reason is not None:
        sys.exit("not storing outputs: they must be computed where the numeric pins take effect")
    paths = [Path(p).resolve() for p in sys.argv[1:]] or chapters_in_toc()
    at_once = min(len(paths), numeric_env.cores())
    print(f"notebooks to execute: {len(paths)}, {at_once} at a time", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=at_once) as pool:
        runs = {pool.submit(execute, path): path for path in paths}
        for run in concurrent.futures.as_completed(runs):
            print(f"{runs[run].relative_to(ROOT)}: {run.result():.0f} s", flush=True)
