"""The numeric pins (scripts/numeric_env.py) and the portable mode for machines they cannot reach.

A short seeded training, 10 epochs of the classic recipe with `nn.RNN(28, 128)`, is long enough
to show the problem: without the pins, PyTorch's AVX2 kernels and its plain (no-AVX) or AVX-512
kernels give different losses, in the last bits after an epoch and in more digits later. Measured
on an AMD EPYC with AVX-512: epoch-10 perplexity 10.878922490 (AVX-512) against 10.878922165
(AVX2). With the pins, the caller's environment no longer matters, and the losses equal the ones
recorded below on the machine that stored the chapters' outputs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import numeric_env  # noqa: E402

TRAINING = """
import json, torch, charrnn
from torch import nn
torch.manual_seed(0)
loader, vocab = charrnn.load_data_time_machine(32, 35)
net = charrnn.RNNModel(nn.RNN(len(vocab), 128), len(vocab))
optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
ppl = [charrnn.train_epoch(net, loader, optimizer, "cpu").perplexity for _ in range(10)]
print(json.dumps({"capability": torch.backends.cpu.get_cpu_capability(),
                  "threads": torch.get_num_threads(), "perplexities": [p.hex() for p in ppl]}))
"""

# Per-epoch training perplexities under the pins, as float.hex(), recorded with the stored outputs.
PINNED_PERPLEXITIES = [
    "0x1.4f4ca764151eap+4", "0x1.2085df3c73aa0p+4", "0x1.04b71163b5258p+4", "0x1.e4f9a3ebc4299p+3",
    "0x1.cd0d371022dc3p+3", "0x1.a9e4905331e3cp+3", "0x1.8d61e0223c045p+3", "0x1.787bf081263ddp+3",
    "0x1.69200cc64b4a1p+3", "0x1.5c20216090aadp+3",
]


def has_avx512() -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and " avx512f" in cpuinfo.read_text()


def run_training(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TRAINING], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def without_pins() -> dict[str, str]:
    """This process's environment less every variable the pins set or remove."""
    return {k: v for k, v in os.environ.items() if k not in numeric_env.PINS and k not in numeric_env.UNSET}


REACH = numeric_env.unreachable_reason(without_pins())
needs_pins = pytest.mark.skipif(REACH is not None, reason=f"the pins cannot take effect here: {REACH}")


@needs_pins
@pytest.mark.slow
def test_without_the_pins_two_kernel_levels_give_different_losses():
    """The training is long enough to tell kernel levels apart; so the test below is not idle."""
    other = "avx512" if has_avx512() else "default"
    avx2 = run_training({**without_pins(), "ATEN_CPU_CAPABILITY": "avx2"})
    elsewhere = run_training({**without_pins(), "ATEN_CPU_CAPABILITY": other})
    assert (avx2["capability"], elsewhere["capability"]) == ("AVX2", other.upper())
    assert avx2["perplexities"] != elsewhere["perplexities"]


@needs_pins
@pytest.mark.slow
def test_with_the_pins_any_caller_environment_gives_the_same_bits():
    other_level = "avx512" if has_avx512() else "default"
    callers = {
        "as it is": {},
        f"kernel level {other_level}": {"ATEN_CPU_CAPABILITY": other_level},
        "2 threads": {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"},
        "4 threads": {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4"},
        "MKL forced down": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "MKL_CBWR": "COMPATIBLE"},
    }
    runs = {name: run_training(numeric_env.pinned({**without_pins(), **env})) for name, env in callers.items()}
    for name, run in runs.items():
        assert (run["capability"], run["threads"]) == ("AVX2", 1), name
        assert run["perplexities"] == runs["as it is"]["perplexities"], name
    assert runs["as it is"]["perplexities"] == PINNED_PERPLEXITIES, (
        "the pinned losses differ from those recorded where the chapters' outputs were stored: "
        "this machine will not reproduce them either"
    )


def test_pinning_overrides_the_caller_and_removes_what_would_undo_it():
    env = numeric_env.pinned({"ATEN_CPU_CAPABILITY": "avx512", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "HOME": "/h"})
    assert env["ATEN_CPU_CAPABILITY"] == "avx2" and env["HOME"] == "/h"
    assert "MKL_ENABLE_INSTRUCTIONS" not in env


@pytest.mark.parametrize("value, forced", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_the_portable_mode_is_forced_by_one_variable(value, forced):
    assert numeric_env.forced_portable({numeric_env.PORTABLE: value}) is forced


def test_make_notebooks_refuses_to_store_outputs_in_the_portable_mode():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "execute_notebooks.py"), str(ROOT / "chapters" / "ngrams.ipynb")],
        env={**os.environ, numeric_env.PORTABLE: "1"}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "PORTABLE mode" in result.stdout and "not storing outputs" in result.stderr


# The portable mode, on a short chapter, with the CPU kernels moved off the pinned ones as if on
# another platform: the chapter runs, its assertions hold, and only tagged cells are compared.
CHAPTER = ROOT / "chapters" / "hidden_state.ipynb"
FOREIGN = {numeric_env.PORTABLE: "1", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE",
           "OMP_NUM_THREADS": "1"}


def run_chapter(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The root conftest (-p conftest, found on PYTHONPATH) applies to a copy outside the repository.
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), path.name],
        cwd=path.parent, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=600,
    )


def tampered_copy(tmp_path: Path, tagged: bool) -> Path:
    """The chapter with one stored output changed, in a cell tagged nbval-check-output or not."""
    notebook = nbformat.read(CHAPTER, as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code" and c.outputs and "text" in c.outputs[0]]
    cell = next(c for c in cells if ("nbval-check-output" in c.metadata.get("tags", [])) is tagged)
    cell.outputs[0]["text"] = re.sub(r"\d", "9", cell.outputs[0]["text"])
    path = tmp_path / CHAPTER.name
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_portable_mode_runs_a_chapter_on_foreign_kernels_and_says_so(tmp_path):
    path = tmp_path / CHAPTER.name
    shutil.copy(CHAPTER, path)
    result = run_chapter(path, FOREIGN)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "numerics: PORTABLE mode, because CHARRNN_PORTABLE=1 is set" in result.stdout


@pytest.mark.slow
def test_portable_mode_compares_tagged_cells(tmp_path):
    result = run_chapter(tampered_copy(tmp_path, tagged=True), FOREIGN)
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_portable_mode_ignores_the_outputs_of_untagged_cells(tmp_path):
    result = run_chapter(tampered_copy(tmp_path, tagged=False), FOREIGN)
    assert result.returncode == 0, result.stdout[-3000:]
