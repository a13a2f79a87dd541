"""Run chapters as a reader runs them: each alone in an empty folder, a plain kernel, no pins.

    python scripts/reader_run.py                          # every chapter, the CI environment
    python scripts/reader_run.py --env default-1-thread chapters/ngrams.ipynb
    python scripts/reader_run.py --env native --seed-shift 1 --keep /tmp/runs

A reader opens one notebook (Colab opens it from the repository, alone), and runs it top to
bottom on whatever CPU or GPU they have, with no numeric pins. Every assert in a chapter is a
promise to that reader. A run passes when no cell raises, apart from cells tagged
`raises-exception`, and when no Markdown cell points at a file outside the notebook.

Environments (`--env`):
- native: the machine's own kernels (AVX-512 where the CPU has it), every core, one chapter at
  a time;
- native-1-thread: the machine's own kernels, one thread per chapter, as many chapters at once
  as there are cores;
- default-1-thread: PyTorch's plain kernels (ATEN_CPU_CAPABILITY=default), one thread per
  chapter, as many at once as there are cores;
- pinned: the project's numeric pins (scripts/numeric_env.py), as `make test` runs;
- ci: the one least like the pinned environment (AVX2 kernels) on this machine:
  native-1-thread where PyTorch picks other kernels than AVX2 here, else default-1-thread.

`--seed-shift N` adds N to every `torch.manual_seed(k)` in the chapter, so that the claims can be
checked for other seeds than the stored ones.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import execute_notebooks
import numeric_env

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
ENVIRONMENTS = {
    "native": {},
    "native-1-thread": ONE_THREAD,
    "default-1-thread": {"ATEN_CPU_CAPABILITY": "default", **ONE_THREAD},
    "pinned": numeric_env.PINS,  # what `make test` checks the stored outputs under, for comparison
}
# A Markdown link or image whose target is not on the web, not an anchor and not an attachment.
LOCAL_LINK = re.compile(r"\]\((?!https?://|#|attachment:|mailto:)([^)\s]+)")
SEED = re.compile(r"\btorch\.manual_seed\((\d+)\)")


def native_capability(environ: dict[str, str]) -> str:
    """The kernel level PyTorch picks here with no pins: AVX512, AVX2, DEFAULT, ..."""
    probe = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    result = subprocess.run([sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def unpinned(environ: dict[str, str]) -> dict[str, str]:
    """`environ` less every variable the project's pins set or remove."""
    return {k: v for k, v in environ.items() if k not in numeric_env.PINS and k not in numeric_env.UNSET}


def resolve(name: str, environ: dict[str, str]) -> str:
    """The environment `name` stands for here (`ci`: native kernels unless they are AVX2)."""
    if name != "ci":
        return name
    return "native-1-thread" if native_capability(unpinned(environ)) != "AVX2" else "default-1-thread"


def jobs(environ: dict[str, str]) -> int:
    """How many chapters to run at once: one per core where each runs on one thread. (Two
    multi-threaded runs at once on the same cores slow each other down many times over.)"""
    if environ.get("OMP_NUM_THREADS") != "1":
        return 1
    return numeric_env.cores()


def reader_environment(name: str, environ: dict[str, str]) -> dict[str, str]:
    """`environ` without the project's pins, with the settings of environment `name`."""
    return {**unpinned(environ), **ENVIRONMENTS[resolve(name, environ)]}


def local_links(notebook) -> list[str]:
    """Targets of Markdown links and images that a notebook opened alone cannot resolve."""
    return [target for cell in notebook.cells if cell.cell_type == "markdown"
            for target in LOCAL_LINK.findall(cell.source)]


def shift_seeds(notebook, shift: int) -> None:
    """Add `shift` to every torch.manual_seed(k) in the notebook's code."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = SEED.sub(lambda m: f"torch.manual_seed({int(m[1]) + shift})", cell.source)


def run(path: Path, environ: dict[str, str], seed_shift: int = 0, timeout: int = 1800,
        keep: Path | None = None) -> tuple[float, str | None]:
    """Run chapter `path` alone in an empty folder; returns (seconds, None) or (seconds, what failed).

    With `keep`, every cell runs even after one fails, and the executed notebook is written there.
    """
    notebook = nbformat.read(path, as_version=4)
    links = local_links(notebook)
    if seed_shift:
        shift_seeds(notebook, seed_shift)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with tempfile.TemporaryDirectory(prefix="reader-") as folder:
        nbformat.write(notebook, Path(folder) / path.name)  # alone in its folder, as Colab opens it
        start = time.perf_counter()
        try:
            NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=keep is not None,
                           resources={"metadata": {"path": folder}}).execute(env=environ)
        except CellExecutionError as error:
            return time.perf_counter() - start, str(error)[-3000:]
        seconds = time.perf_counter() - start
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, keep / path.name)
        failed = [f"cell {i}: {out.ename}: {out.evalue}" for i, cell in enumerate(notebook.cells)
                  if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", [])
                  for out in cell.outputs if out.output_type == "error"]
        if failed:
            return seconds, "\n".join(failed)
    if links:
        return seconds, f"Markdown points at files a notebook opened alone cannot reach: {links}"
    return seconds, None


def run_all(paths: list[Path], environ: dict[str, str], seed_shift: int = 0, keep: Path | None = None,
            report=print) -> list[str]:
    """Run every chapter in `paths` (several at once where `jobs` allows); returns the failures."""
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs(environ)) as pool:
        runs = {path: pool.submit(run, path, environ, seed_shift, keep=keep) for path in paths}
        for path, future in runs.items():
            seconds, problem = future.result()
            report(f"{path.stem}: {'ok' if problem is None else 'FAILED'} in {seconds:.0f} s")
            if problem is not None:
                report(problem)
                failed.append(f"{path.stem}: {problem}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks (default: every chapter)")
    parser.add_argument("--env", choices=[*ENVIRONMENTS, "ci"], default="ci")
    parser.add_argument("--seed-shift", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="run every cell even after a failure; write the executed "
                        "notebooks to this folder")
    args = parser.parse_args()
    name = resolve(args.env, dict(os.environ))
    environ = reader_environment(name, dict(os.environ))
    paths = [p.resolve() for p in args.chapters] or execute_notebooks.chapters_in_toc()
    print(f"reader runs: environment {name}, seed shift {args.seed_shift}, "
          f"{native_capability(environ)} kernels, {jobs(environ)} at a time", flush=True)
    start = time.perf_counter()
    failed = run_all(paths, environ, args.seed_shift, args.keep, report=lambda line: print(line, flush=True))
    print(f"{len(paths) - len(failed)} of {len(paths)} chapters ran green in {time.perf_counter() - start:.0f} s"
          + (f"; failed: {', '.join(f.split(':')[0] for f in failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
