"""Build both editions of the book from the same notebooks, warnings as errors.

    python scripts/build_book.py [--out DIR]      English into DIR/_build/html and Chinese into
                                                  DIR/_build/html/zh_CN (DIR: the book's folder)
    python scripts/build_book.py --translations   after changing English prose: extract its
                                                  strings and update locale/zh_CN/LC_MESSAGES/*.po

The English edition is what `jupyter-book build` makes. Its command line cannot pass a language,
so the Chinese edition is built through jupyter-book's own Sphinx entry point, with the same
_config.yml and `language = "zh_CN"`: Sphinx then replaces every English string of the notebooks'
Markdown with its translation from locale/zh_CN (code, math and outputs stay as they are).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import private_apis  # noqa: E402

LANGUAGE = "zh_CN"
LOCALE = ROOT / "locale"


def build_english(out: Path) -> None:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", "-W", "--keep-going", "--path-output", str(out), str(ROOT)],
                   check=True)


def sphinx(builder: str, html: Path, doctrees: Path, **config) -> None:
    """jupyter-book's Sphinx build of the book with `builder`, and `config` over _config.yml."""
    # What `jupyter-book build` passes besides the config file.
    config = {"external_toc_path": (ROOT / "_toc.yml").as_posix(), "latex_individualpages": False, **config}
    result = private_apis.build_sphinx(
        ROOT, html, noconfig=True, path_config=str(ROOT / "_config.yml"), confoverrides=config,
        doctreedir=doctrees, builder=builder, freshenv=True, warningiserror=True, keep_going=True)
    if result != 0:
        raise SystemExit(f"the {builder} build ({config}) failed: {result}")


def build_chinese(out: Path) -> None:
    # Built beside the English edition (myst-nb puts its files next to the HTML folder), then
    # moved into it, where the pages' links to each other expect it.
    built, edition = out / "_build" / LANGUAGE, out / "_build" / "html" / LANGUAGE
    sphinx("html", built / "html", built / ".doctrees", language=LANGUAGE)
    shutil.rmtree(edition, ignore_errors=True)
    shutil.copytree(built / "html", edition)


def extract(into: Path) -> None:
    """The English strings, one .pot file per page, as Sphinx's gettext builder writes them."""
    sphinx("gettext", into, into / ".doctrees")


def update_translations() -> None:
    with tempfile.TemporaryDirectory() as pot:
        extract(Path(pot))
        subprocess.run([str(Path(sys.executable).with_name("sphinx-intl")), "update", "--pot-dir", pot,
                        "--locale-dir", str(LOCALE), "--language", LANGUAGE, "--line-width", "-1"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="build into OUT/_build (default: the book's folder)")
    parser.add_argument("--translations", action="store_true", help="update locale/zh_CN from the English notebooks")
    args = parser.parse_args()
    private_apis.check_all()  # before minutes of building, not in the middle of them
    if args.translations:
        return update_translations()
    build_english(args.out)
    build_chinese(args.out)


if __name__ == "__main__":
    main()
