"""Every use the book's build makes of its dependencies' private parts, one section each.

Public settings cannot do these things, so each reaches into code its package does not promise
to keep. Each section first checks that the installed version is one the use was written and
tested against (`SUPPORTED`), and stops the build with a clear message if not: a release that
moved the private part would otherwise break the build in some odd way, or silently (solutions
back in the search index). requirements.lock installs supported versions; after `make lock`
brings a newer one, check the use, then add the version here.
"""

from collections.abc import Callable
from importlib import metadata

# Version prefixes each private use was checked with.
SUPPORTED = {
    "sphinx": ("7.4.",),
    "sphinx-exercise": ("1.2.",),
    "jupyter-book": ("1.0.",),
}


class UnsupportedVersionError(RuntimeError):
    pass


def check_version(distribution: str) -> None:
    """Fail, naming the supported versions, unless `distribution` is installed at one of them."""
    installed = metadata.version(distribution)
    supported = SUPPORTED[distribution]
    if not installed.startswith(supported):
        raise UnsupportedVersionError(
            f"{distribution} {installed} is installed, but the book's build uses private parts of "
            f"{distribution} that were checked with {', '.join(v + 'x' for v in supported)} only "
            f"(_ext/private_apis.py). Install a supported version (`make` installs requirements.lock), "
            f"or check each use in _ext/private_apis.py against {installed} and add it to SUPPORTED."
        )


# --- Sphinx --------------------------------------------------------------------------------
# Also private, in JavaScript: `Search.htmlToText` of Sphinx's searchtools.js, which
# _static/hide_solutions.js wraps. The same version check covers it.

def wrap_search_word_collector(wrap: Callable[[Callable], Callable]) -> None:
    """Replace the search index's word collector (`IndexBuilder._word_collector(self, doctree)`)
    with `wrap(original)`. Sphinx has no setting for leaving nodes out of the index."""
    check_version("sphinx")
    from sphinx.search import IndexBuilder

    IndexBuilder._word_collector = wrap(IndexBuilder._word_collector)


def script_identity(script) -> tuple:
    """What tells two of a page's scripts apart (Sphinx's private `_JavaScript` objects in the
    page context's `script_files`): the file, "" for an inline one, and the attributes."""
    check_version("sphinx")
    return (script.filename or "", tuple(sorted(script.attributes.items())))


# --- sphinx-exercise -------------------------------------------------------------------------

def wrap_exercise_directive(wrap: Callable[[Callable], Callable]) -> None:
    """Replace `ExerciseDirective.run` with `wrap(original)`: its nodes lack what gettext needs."""
    check_version("sphinx-exercise")
    from sphinx_exercise.directive import ExerciseDirective

    ExerciseDirective.run = wrap(ExerciseDirective.run)


# --- jupyter-book ----------------------------------------------------------------------------

def build_sphinx(*args, **kwargs) -> int:
    """jupyter-book's own Sphinx entry point (`jupyter_book.sphinx.build_sphinx`): the only way to
    build with its configuration and a language that its command line cannot pass."""
    check_version("jupyter-book")
    from jupyter_book.sphinx import build_sphinx as build

    return build(*args, **kwargs)


def check_all() -> None:
    """Check every dependency whose private parts the build uses, before a build starts."""
    for distribution in SUPPORTED:
        check_version(distribution)
