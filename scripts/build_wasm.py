"""Build the in-page trainer's WebAssembly kernels from their C source.

    python scripts/build_wasm.py           # charrnn/wasm/kernels.c -> charrnn/js/kernels_wasm.js
    python scripts/build_wasm.py --check   # build to memory; fail unless it equals the committed file

The compiler is clang with its WebAssembly linker, from Debian's registry
(`apt-get install clang lld`; the committed module was built with Debian bookworm's clang 14).
The module is kept as base64 in a script, kernels_wasm.js, because the trainer's Web Worker runs
from a Blob: it can load scripts it is given, not files. The script's first line records the
SHA-256 of the source it was built from, which the tests hold to the source as it is now.
"""

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "charrnn" / "wasm" / "kernels.c"
OUTPUT = ROOT / "charrnn" / "js" / "kernels_wasm.js"
# wasm32, 128-bit SIMD, no libc and no entry point; the JavaScript reads where free memory starts.
FLAGS = ["--target=wasm32", "-O3", "-msimd128", "-mbulk-memory", "-nostdlib", "-Wl,--no-entry",
         "-Wl,--export=__heap_base", "-Wl,--strip-all"]
MISSING = "no clang with a wasm32 target and wasm-ld: `apt-get install clang lld` (Debian)"


def compiler() -> str | None:
    """clang's path, if it and the WebAssembly linker are here."""
    clang = shutil.which("clang")
    return clang if clang and shutil.which("wasm-ld") else None


def compiler_version() -> str:
    """clang's version line, which the built script records."""
    return subprocess.run([compiler() or "clang", "--version"], capture_output=True, text=True,
                          check=True).stdout.splitlines()[0]


def source_digest(source: Path = SOURCE) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


def build(source: Path = SOURCE) -> str:
    """The text of kernels_wasm.js for `source`: the compiled module as base64."""
    clang = compiler()
    if clang is None:
        raise RuntimeError(MISSING)
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "kernels.wasm"
        subprocess.run([clang, *FLAGS, "-o", str(module), str(source)], check=True)
        encoded = base64.b64encode(module.read_bytes()).decode("ascii")
    return (f"// built from charrnn/wasm/kernels.c, sha256 {source_digest(source)}, by {compiler_version()}\n"
            "// by scripts/build_wasm.py: do not edit. The module as base64 (kernels.js compiles it).\n"
            "globalThis.charrnn = globalThis.charrnn || {};\n"
            f'charrnn.KERNELS_WASM = "{encoded}";\n')


def recorded_digest(text: str) -> str:
    """The source digest that a kernels_wasm.js records on its first line."""
    return text.split("sha256 ", 1)[1].split(",", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail unless a fresh build equals the committed file")
    args = parser.parse_args()
    built = build()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != built:
            print(f"{OUTPUT.relative_to(ROOT)} differs from a fresh build of {SOURCE.relative_to(ROOT)}: "
                  "run python scripts/build_wasm.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} equals a fresh build of {SOURCE.relative_to(ROOT)}")
        return 0
    OUTPUT.write_text(built, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(built):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
