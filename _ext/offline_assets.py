"""Serve MathJax, require.js and the Jupyter widget manager from the book itself, so it works offline.

By default the pages load all three from CDNs, and math and widgets break with no internet (a
classroom, a plane). Here the files come from the npm packages below, fetched at build time with
`npm pack` (the package alone, none of its dependencies), checked against the registry's sha512
and unpacked once into `_build/assets/vendor`; Sphinx copies them into `_static/vendor`.

To update a package, change its version and paste the hash that
`npm view NAME@VERSION dist.integrity` prints.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

import private_apis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import nodejs  # noqa: E402  (the one Node.js of the build and the tests)

logger = logging.getLogger(__name__)

PACKAGES = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    ),
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
    ),
    "@jupyter-widgets/html-manager": (
        "1.0.15",  # the widget manager of ipywidgets 8.1
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    ),
}

# For each package, the folder in the tarball to take from, the folder under vendor/ to put it
# in, and which of its files the pages need: MathJax's combined TeX component plus the pieces
# it loads on demand (fonts, TeX extensions, menu, accessibility); the widget manager's
# require.js bundle plus the icon fonts it loads from its own folder.
MATHJAX_PARTS = ("tex-mml-chtml.js", "a11y/", "adaptors/", "input/", "output/chtml", "sre/", "ui/")
LAYOUT = {
    "mathjax": ("es5/", "mathjax", lambda name: name.startswith(MATHJAX_PARTS)),
    "requirejs": ("", "requirejs", lambda name: name == "require.js"),
    "@jupyter-widgets/html-manager": (
        "dist/",
        "html-manager",
        lambda name: "/" not in name and not name.endswith(".map") and name not in ("embed.js", "libembed-amd.js"),
    ),
}
MATHJAX_PATH = "vendor/mathjax/tex-mml-chtml.js"
SHIM = Path(__file__).with_name("widgets_offline.js")
WIDGET_SCRIPTS = {SHIM.name: {}, "vendor/requirejs/require.js": {}, "vendor/html-manager/embed-amd.js": {}}


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _npm_pack(spec: str, destination: Path) -> Path:
    npm = nodejs.find("npm")
    if npm is None:
        raise ExtensionError(
            "building the book needs npm once, to fetch MathJax, require.js and the widget manager "
            f"from the npm registry so that the pages work offline; {nodejs.MISSING}"
        )
    result = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(destination), "--json", "--silent"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise ExtensionError(f"npm pack {spec} failed (is the npm registry reachable?):\n{result.stderr[-2000:]}")
    return destination / json.loads(result.stdout)[0]["filename"]


def fetch_file(name: str, version: str, integrity: str, member: str, destination: Path) -> Path:
    """The file `member` of the npm package `name`@`version` (checked against its pinned sha512),
    at `destination`: fetched once, then read from there (the browser test's axe-core)."""
    if not destination.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            tarball = _npm_pack(f"{name}@{version}", Path(tmp))
            if _integrity(tarball) != integrity:
                raise ExtensionError(f"{name}@{version}: the downloaded tarball does not match its pinned sha512")
            with tarfile.open(tarball) as archive:
                content = archive.extractfile(f"package/{member}").read()
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    return destination


def _pins() -> str:
    return json.dumps(PACKAGES, indent=1)


def is_fetched(vendor: Path) -> bool:
    """Whether `vendor` holds the files of exactly these pins, so that a build needs no network."""
    stamp = vendor / "pins.json"
    return stamp.is_file() and stamp.read_text() == _pins()


def fetch_assets(vendor: Path) -> None:
    """Unpack the pinned packages' files into `vendor`, unless the same pins are there already."""
    if is_fetched(vendor):
        return
    shutil.rmtree(vendor, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, integrity) in PACKAGES.items():
            logger.info(f"offline assets: fetching {name}@{version}")
            tarball = _npm_pack(f"{name}@{version}", Path(tmp))
            if _integrity(tarball) != integrity:
                raise ExtensionError(f"{name}@{version}: the downloaded tarball does not match its pinned sha512")
            source, target, wanted = LAYOUT[name]
            with tarfile.open(tarball) as archive:
                for member in archive.getmembers():
                    name_in_package = member.name.removeprefix("package/")
                    if member.isfile() and name_in_package.startswith(source):
                        relative = name_in_package.removeprefix(source)
                        if wanted(relative):
                            destination = vendor / target / relative
                            destination.parent.mkdir(parents=True, exist_ok=True)
                            destination.write_bytes(archive.extractfile(member).read())
    (vendor / "pins.json").write_text(_pins())


def _use_local_assets(app: Sphinx, config: Config) -> None:
    assets = Path(app.srcdir) / "_build" / "assets"
    fetch_assets(assets / "vendor")
    shutil.copyfile(SHIM, assets / SHIM.name)
    config.html_static_path = [*config.html_static_path, str(assets)]
    config.mathjax_path = MATHJAX_PATH
    config.nb_ipywidgets_js = WIDGET_SCRIPTS


def _drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    # Jupyter Book 1 adds some extensions' inline scripts twice; sphinx-thebe's twice-declared
    # `const THEBE_JS_URL` is then a syntax error on every page.
    seen, unique = set(), []
    for script in context["script_files"]:
        # The copies differ only in an inline script's filename: None in one, "" in the other.
        key = private_apis.script_identity(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict:
    # After myst-nb and the math extension have declared their options, before the builder reads them.
    app.connect("config-inited", _use_local_assets, priority=900)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
