"""Texts to train on: the bundled Time Machine (hash-checked) or any text of the reader's.

The classic preprocessing keeps letters only: every run of non-letters becomes one space and
everything is lower-cased. Lines are joined with a space, so the last word of a line never
fuses with the first word of the next ("him" + "was" stays "him was", not "himwas").
"""

import hashlib
import os
import re
from importlib import resources
from pathlib import Path

from .checks import check_choice

TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
TOKEN_KINDS = ("char", "word")


class CorpusIntegrityError(RuntimeError):
    """The bundled corpus is not the file the book was written against."""


def time_machine_path() -> Path:
    """Where the bundled copy of H. G. Wells' *The Time Machine* lies."""
    return Path(str(resources.files("charrnn") / "texts" / "timemachine.txt"))


def read_raw_time_machine() -> str:
    """The bundled book as it is, after checking its sha1 against the one the book expects."""
    path = time_machine_path()
    data = path.read_bytes()
    digest = hashlib.sha1(data).hexdigest()
    if digest != TIME_MACHINE_SHA1:
        raise CorpusIntegrityError(
            f"{path} has sha1 {digest}, expected {TIME_MACHINE_SHA1}: the bundled corpus is "
            "damaged or was replaced; reinstall charrnn"
        )
    return data.decode("utf-8")


def preprocess(text: str) -> list[str]:
    """Letters-only, lower-case lines; lines that end up empty are dropped."""
    lines = (re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines())
    return [line for line in lines if line]


def read_time_machine() -> list[str]:
    """The Time Machine as preprocessed lines (see `preprocess`)."""
    return preprocess(read_raw_time_machine())


def _looks_like_path(text: str) -> bool:
    """One line of under 256 characters that ends in a file suffix (".txt", ".md", ".csv") or holds
    a path separator: far more likely a mistyped path than a text to train on."""
    return len(text) < 256 and "\n" not in text and re.search(r"\.[A-Za-z0-9]{1,4}$|[/\\]", text) is not None


def read_text(source: str | os.PathLike, encoding: str = "utf-8") -> str:
    """A reader's own text: a path (a `Path`, or a `str` naming an existing file) or the text itself.

    A `str` that names no file is the text itself, unless it is one line of under 256 characters
    that ends in a file suffix (".txt", ".md", ...) or holds a "/" or "\\": that is taken for a
    mistyped path and raises FileNotFoundError. A `str` with a newline is always text.
    Files are decoded with `encoding`.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a str or a path, got {type(source).__name__}")
    if isinstance(source, str) and not os.path.isfile(source):
        if not _looks_like_path(source):
            return source
        raise FileNotFoundError(
            f"source: no such file {source!r} (looked for {Path(source).absolute()}); check the path, "
            "or, to use this one-line string itself as the text, include a newline (e.g. text + '\\n')"
        )
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"source: no such file {str(path)!r}")
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as error:
        # Same type, so `except UnicodeDecodeError` still works; the reason gains the file and the fix.
        reason = f"{error.reason}; {path} is not {encoding} text: pass its encoding, e.g. encoding='latin-1'"
        raise UnicodeDecodeError(error.encoding, error.object, error.start, error.end, reason) from None


def tokenize(lines: list[str], token: str = "char") -> list[list[str]]:
    """Split each line into characters or words."""
    check_choice("token", token, TOKEN_KINDS)
    if token == "char":
        return [list(line) for line in lines]
    return [line.split() for line in lines]


def corpus_tokens(lines: list[str], token: str = "char") -> list[str]:
    """The token stream of a whole text: lines joined by a space (for chars), never glued."""
    if token == "char":
        return list(" ".join(lines))
    return [word for line in tokenize(lines, token) for word in line]
