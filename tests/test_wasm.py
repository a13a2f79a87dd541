"""The in-page trainer's WebAssembly module (charrnn/js/kernels_wasm.js) is its source's build.

The module is committed, built from charrnn/wasm/kernels.c by scripts/build_wasm.py. The first
check needs no compiler: the module records the SHA-256 of the source it was built from, which
must be the source's now. The second builds the module afresh with clang and lld and compares
every byte; CI installs them (.ci/run), so there it skips only if the registry's clang is
another version than the one that built the committed module (another version emits other bytes).
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import build_wasm  # noqa: E402


def test_the_module_records_the_digest_of_the_source_as_it_is_now():
    committed = build_wasm.OUTPUT.read_text(encoding="utf-8")
    assert build_wasm.recorded_digest(committed) == build_wasm.source_digest(), (
        "charrnn/wasm/kernels.c changed since charrnn/js/kernels_wasm.js was built: "
        "run python scripts/build_wasm.py")


def test_a_changed_source_no_longer_matches_the_recorded_digest(tmp_path):
    changed = tmp_path / "kernels.c"
    changed.write_bytes(build_wasm.SOURCE.read_bytes() + b"\n// one more line\n")
    assert build_wasm.source_digest(changed) != build_wasm.recorded_digest(build_wasm.OUTPUT.read_text(encoding="utf-8"))


@pytest.mark.skipif(build_wasm.compiler() is None and not os.environ.get("CI"), reason=build_wasm.MISSING)
def test_a_fresh_build_equals_the_committed_module():
    committed = build_wasm.OUTPUT.read_text(encoding="utf-8")
    here = build_wasm.compiler_version()
    if here not in committed.splitlines()[0]:
        pytest.skip(f"the module was built by another compiler than this one ({here}); bytes differ between versions")
    assert build_wasm.build() == committed, (
        "the committed module is not what its source builds to: run python scripts/build_wasm.py")
