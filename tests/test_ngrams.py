import math

import pytest

import charrnn
from charrnn.ngrams import K_GRID, NgramModel, count_ngrams, heldout_perplexity


def test_count_ngrams():
    assert count_ngrams("abab", 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert count_ngrams("abab", 1)[("a",)] == 2
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        count_ngrams("ab", 0)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_probabilities_sum_to_one_over_the_vocabulary(n):
    tokens = list("the time traveller for so it will be convenient")
    vocab = sorted(set(tokens)) + ["?"]  # one token never seen
    model = NgramModel(tokens, n, len(vocab), k=0.1)
    for context in [(), ("t",), ("t", "h"), ("x", "y")]:
        assert sum(model.prob(context, token) for token in vocab) == pytest.approx(1.0)
    assert model.prob(("t", "h"), "?") > 0


def test_perplexity_is_exp_mean_negative_log_probability():
    tokens = list("abcabcabd")
    model = NgramModel(tokens, 2, 4, k=1.0)
    test = list("abca")
    expected = math.exp(-sum(math.log(model.prob((test[t - 1],), test[t])) for t in range(1, 4)) / 3)
    assert model.perplexity(test) == pytest.approx(expected)


def test_unseen_everything_is_uniform():
    model = NgramModel(list("aaaa"), 3, 10, k=1.0)
    assert model.perplexity(list("xyzw")) == pytest.approx(10.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="k must be a positive, finite number, got 0"):
        NgramModel(list("abc"), 2, 3, k=0)
    with pytest.raises(ValueError, match="3 tokens are too few for a 4-gram model"):
        NgramModel(list("abc"), 4, 3)
    with pytest.raises(ValueError, match="need at least 3 tokens, got 2"):
        NgramModel(list("abcd"), 3, 4).perplexity(list("ab"))


def test_chapter_one_baseline_on_the_time_machine():
    data = charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1)
    k, ppl = heldout_perplexity(data.train.corpus.tolist(), data.val.corpus.tolist(), 5, len(data.vocab))
    assert k in K_GRID and ppl == pytest.approx(4.50, abs=0.01)
