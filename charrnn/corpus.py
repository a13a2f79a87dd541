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

TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"


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


def read_text(source: str | os.PathLike) -> str:
    """A reader's own text: a path (`Path`, or a `str` naming an existing file) or the text itself."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and os.path.isfile(source)
    ):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"source: no such file {str(path)!r}")
        return path.read_text(encoding="utf-8")
    if not isinstance(source, str):
        raise TypeError(f"source must be a str or a path, got {type(source).__name__}")
    return source


def tokenize(lines: list[str], token: str = "char") -> list[list[str]]:
    """Split each line into characters or words."""
    if token == "char":
        return [list(line) for line in lines]
    if token == "word":
        return [line.split() for line in lines]
    raise ValueError(f"token must be 'char' or 'word', got {token!r}")


def corpus_tokens(lines: list[str], token: str = "char") -> list[str]:
    """The token stream of a whole text: lines joined by a space (for chars), never glued."""
    if token == "char":
        return list(" ".join(lines))
    return [word for line in tokenize(lines, "word") for word in line]
