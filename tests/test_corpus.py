import hashlib

import pytest

from charrnn import corpus
from charrnn.corpus import (
    TIME_MACHINE_SHA1,
    CorpusIntegrityError,
    corpus_tokens,
    preprocess,
    read_text,
    read_time_machine,
    tokenize,
)


def test_bundled_corpus_is_the_expected_file():
    data = corpus.time_machine_path().read_bytes()
    assert len(data) == 178_979
    assert hashlib.sha1(data).hexdigest() == TIME_MACHINE_SHA1


def test_tampered_corpus_raises_with_both_hashes(tmp_path, monkeypatch):
    fake = tmp_path / "timemachine.txt"
    fake.write_text("not the time machine")
    monkeypatch.setattr(corpus, "time_machine_path", lambda: fake)
    with pytest.raises(CorpusIntegrityError, match=TIME_MACHINE_SHA1) as info:
        read_time_machine()
    assert hashlib.sha1(b"not the time machine").hexdigest() in str(info.value)


def test_preprocessing_keeps_letters_lower_case_and_drops_empty_lines():
    assert preprocess("The Time-Machine, by H. G. Wells!\n\n  \n(1898)\nI\n") == [
        "the time machine by h g wells",
        "i",
    ]


def test_lines_are_joined_with_a_space_never_glued():
    text = " ".join(read_time_machine())
    # "to speak of him)" ends one line and "was expounding" begins the next.
    assert "speak of him was expounding" in text
    assert "himwas" not in text


def test_time_machine_has_26_letters_and_space():
    chars = set(corpus_tokens(read_time_machine(), "char"))
    assert chars == set("abcdefghijklmnopqrstuvwxyz ")


def test_tokenize_chars_and_words():
    lines = ["the time", "a b"]
    assert tokenize(lines, "char") == [list("the time"), list("a b")]
    assert tokenize(lines, "word") == [["the", "time"], ["a", "b"]]
    assert corpus_tokens(lines, "char") == list("the time a b")
    assert corpus_tokens(lines, "word") == ["the", "time", "a", "b"]


def test_tokenize_rejects_unknown_token_kind():
    with pytest.raises(ValueError, match="token must be 'char' or 'word', got 'byte'"):
        tokenize(["abc"], "byte")


def test_read_text_takes_a_path_a_path_string_or_the_text(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("Hello there\nGeneral Kenobi\n", encoding="utf-8")
    assert read_text(path) == "Hello there\nGeneral Kenobi\n"
    assert read_text(str(path)) == "Hello there\nGeneral Kenobi\n"
    assert read_text("just some text") == "just some text"


def test_read_text_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_text(tmp_path / "missing.txt")


def test_read_text_rejects_other_types():
    with pytest.raises(TypeError, match="source must be a str or a path, got int"):
        read_text(42)
