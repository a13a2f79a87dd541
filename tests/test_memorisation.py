import random

import pytest

from charrnn import longest_copy


def brute_force(sample: str, text: str) -> int:
    return max(
        (j - i for i in range(len(sample)) for j in range(i, len(sample) + 1) if sample[i:j] in text),
        default=0,
    )


def test_finds_the_longest_copy_and_where_it_is():
    text = "the time traveller was one of those men"
    copy = longest_copy("xx time travel yy", text)
    assert copy.text == " time travel"
    assert copy.sample_start == 2
    assert text[copy.source_start : copy.source_start + len(copy.text)] == copy.text
    assert "12 characters" in str(copy)


def test_agrees_with_brute_force_on_random_strings():
    rng = random.Random(0)
    for _ in range(200):
        text = "".join(rng.choice("ab c") for _ in range(rng.randint(0, 40)))
        sample = "".join(rng.choice("abc d") for _ in range(rng.randint(0, 20)))
        copy = longest_copy(sample, text)
        assert len(copy.text) == brute_force(sample, text)
        assert copy.text in text and sample[copy.sample_start :].startswith(copy.text)


def test_a_sample_of_unseen_characters_copies_nothing():
    assert longest_copy("zzz", "abc").text == ""
    assert longest_copy("", "abc").text == ""


def test_refuses_what_is_not_text():
    with pytest.raises(TypeError, match="sample and training_text must be strings, got list and str"):
        longest_copy(["a"], "abc")
