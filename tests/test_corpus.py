import hashlib
import re

import pytest

from charrnn import corpus, load_data
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


@pytest.mark.parametrize("typo", ["my_book_typo.txt", "notes.md", "data.csv", "books/mine", r"C:\books\mine"])
def test_a_string_that_looks_like_a_missing_path_is_not_taken_for_text(typo):
    message = rf"source: no such file {re.escape(repr(typo))} \(looked for .*\); check the path.*a newline"
    with pytest.raises(FileNotFoundError, match=message):
        read_text(typo)


def test_load_data_refuses_a_mistyped_path_instead_of_training_on_its_name():
    with pytest.raises(FileNotFoundError, match="no such file 'my_book_typo.txt'"):
        load_data("my_book_typo.txt", batch_size=2, num_steps=3)


def test_strings_that_do_not_look_like_paths_stay_text():
    assert read_text("a line of text, that is all") == "a line of text, that is all"
    assert read_text("see notes.txt\n") == "see notes.txt\n"  # a newline makes it text, never a path


def test_read_text_names_the_file_and_the_encoding_it_cannot_decode(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("café au lait\n".encode("latin-1") * 20)
    with pytest.raises(UnicodeDecodeError, match=rf"'utf-8' codec .* {re.escape(str(path))} .*encoding="):
        read_text(path)
    assert read_text(path, encoding="latin-1").startswith("café au lait\n")
    data = load_data(path, batch_size=2, num_steps=3, clean=False, encoding="latin-1")
    assert "é" in data.vocab


def test_load_data_refuses_an_unknown_token_kind_before_reading_anything():
    with pytest.raises(ValueError, match="token must be 'char' or 'word', got 'chars'"):
        load_data("my_book_typo.txt", batch_size=2, num_steps=3, token="chars")
    with pytest.raises(ValueError, match="token must be 'char' or 'word', got 'chars'"):
        corpus_tokens(["ab"], "chars")


def test_cleaning_that_removes_almost_everything_says_so_and_how_to_keep_it():
    chinese = "时间旅行者正在向我们解释一个深奥的问题。\n" * 50
    with pytest.raises(ValueError, match=r"clean=True kept 0 of the 1000 non-space characters.*clean=False"):
        load_data(chinese, batch_size=2, num_steps=3)
    assert len(load_data(chinese, batch_size=2, num_steps=3, clean=False).vocab) > 20


@pytest.mark.parametrize("max_tokens", [0, -5, 2.5, True])
def test_max_tokens_is_none_or_a_positive_integer(max_tokens):
    with pytest.raises(ValueError, match=rf"max_tokens must be a positive integer, got {max_tokens!r}"):
        load_data(batch_size=2, num_steps=3, max_tokens=max_tokens)
