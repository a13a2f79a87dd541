"""The one numeric environment in which chapters are executed to be stored or checked.

Floating-point results depend on which CPU kernels run. On a CPU with AVX-512, PyTorch and MKL
pick AVX-512 code; elsewhere AVX2 code. The two round differently in the last bit, and hundreds
of training epochs turn that bit into different perplexities and samples. So wherever a chapter
runs to have its outputs stored (`make notebooks`) or compared (`make test`, `.ci/run`, a bare
`pytest --nbval`), the project sets the variables below, over whatever the caller's shell set:

- ATEN_CPU_CAPABILITY=avx2   PyTorch's own kernels (tanh, exp, sums, ...) use AVX2 code.
- MKL_CBWR=AVX2,STRICT      MKL's matrix products take the AVX2 branch of its conditional
                            numerical reproducibility mode; STRICT also makes them independent
                            of the thread count.
- ONEDNN_MAX_CPU_ISA=AVX2   oneDNN, which PyTorch uses for nn.LSTM on the CPU (its forward pass
                            picked AVX-512 kernels where the CPU has them), is capped the same way.
- OMP_NUM_THREADS=1, MKL_NUM_THREADS=1
                            PyTorch splits reductions by thread count, so the count is fixed;
                            one, because `make test` runs one chapter per core at once: on CI's
                            two cores, two one-thread chapters finish the chapters in about 400 s
                            where one two-thread chapter at a time took about 520 s.
- PYTHONHASHSEED=0          the order of a set of strings is the same in every run.

and removes MKL_ENABLE_INSTRUCTIONS, MKL_DEBUG_CPU_TYPE and MKL_DYNAMIC, which would move MKL off
that branch. The pins reproduce bit for bit on any x86-64 CPU with AVX2 (PyTorch's pip builds use
MKL there). Elsewhere (ARM, or x86 without AVX2) they cannot: the run then checks every assertion
but compares stored outputs only in cells tagged `nbval-check-output`, whose outputs are the same
on every platform. CHARRNN_PORTABLE=1 forces that mode on any machine.

Readers running a chapter themselves are not pinned: their numbers may differ in the last digits.
"""

import os
import platform
import subprocess
import sys
from collections.abc import Mapping, MutableMapping

PINS = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "AVX2,STRICT",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
}
UNSET = ("MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE", "MKL_DYNAMIC")
PORTABLE = "CHARRNN_PORTABLE"

# What a Python started with the pins sees: the kernel level PyTorch dispatches and its BLAS.
_PROBE = "import torch; print(torch.backends.cpu.get_cpu_capability(), torch.backends.mkl.is_available())"


def cores() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count): as many chapters
    run at once, since the pins give each one thread."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pinned(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with the pins set over it and the variables that would undo them removed."""
    env = {key: value for key, value in environ.items() if key not in UNSET}
    env.update(PINS)
    return env


def forced_portable(environ: Mapping[str, str]) -> bool:
    """Whether the caller asked for the portable mode (CHARRNN_PORTABLE set to anything but 0)."""
    return environ.get(PORTABLE, "0").strip().lower() not in ("", "0", "false", "no")


def unreachable_reason(environ: Mapping[str, str]) -> str | None:
    """None if the pins take effect in a Python started with `environ`, else why not."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], env=pinned(environ), capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        return f"could not start PyTorch to check the CPU: {result.stderr.strip()[-300:]}"
    capability, has_mkl = result.stdout.split()
    if capability != "AVX2":
        return f"PyTorch runs {capability} kernels on this {platform.machine()} CPU, not AVX2"
    if has_mkl != "True":
        return "this PyTorch build has no MKL"
    return None


def apply(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Pin `environ` in place, for this process and every kernel it starts.

    Returns None when the stored outputs can be compared bit for bit, or the reason they
    cannot (the portable mode); in that mode `environ` is left as the caller set it.
    """
    if forced_portable(environ):
        return f"{PORTABLE}={environ[PORTABLE]} is set"
    reason = unreachable_reason(environ)
    if reason is None:
        for key in UNSET:
            environ.pop(key, None)
        environ.update(PINS)
    return reason


def describe(reason: str | None) -> str:
    """One line for the start of a run: which mode, and why."""
    if reason is None:
        pins = " ".join(f"{key}={value}" for key, value in PINS.items())
        return f"numerics: pinned ({pins}); stored outputs are compared bit for bit"
    return (
        f"numerics: PORTABLE mode, because {reason}; every cell runs and its assertions are "
        "checked, but stored outputs are compared only in cells tagged nbval-check-output"
    )
