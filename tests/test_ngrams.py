import itertools
import math
import random

import pytest

from charrnn.ladder import book_slices, stream_perplexity
from charrnn.ngrams import (
    K_GRID,
    KneserNeyModel,
    NgramModel,
    choose_add_k,
    choose_kneser_ney_order,
    continuation_counts,
    count_ngrams,
)


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


# Interpolated Kneser-Ney


def test_continuation_counts_count_distinct_predecessors():
    counts = continuation_counts("abracadabra", 1)
    assert counts == {("b",): 1, ("r",): 1, ("a",): 3, ("c",): 1, ("d",): 1}  # "a" follows r, c, d
    assert count_ngrams("abracadabra", 1)[("a",)] == 5
    assert continuation_counts("abracadabra", 2)[("b", "r")] == 1  # "abr" twice, one predecessor
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        continuation_counts("ab", 0)


def reference_count(tokens, n, gram):
    """The count the order len(gram) uses: raw at the top order n, continuation counts below."""
    k = len(gram)
    starts = [i for i in range(len(tokens) - k + 1) if tuple(tokens[i : i + k]) == gram]
    return len(starts) if k == n else len({tokens[i - 1] for i in starts if i > 0})


def reference_ney_discounts(tokens, n):
    discounts = []
    for k in range(1, n + 1):
        grams = {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}
        counts = [reference_count(tokens, n, gram) for gram in grams]
        n1, n2 = max(counts.count(1), 1), counts.count(2)
        discounts.append(n1 / (n1 + 2 * n2))
    return discounts


def reference_kneser_ney(tokens, n, vocab, discounts, context, token):
    """Interpolated Kneser-Ney straight from its definition, recounting the text for every number:
    slow, but nothing precomputed that could hide a mistake."""

    def p(k, h):
        if k == 0:
            return 1 / len(vocab)
        total = sum(reference_count(tokens, n, (*h, w)) for w in vocab)
        if total == 0:
            return p(k - 1, h[1:])
        followers = sum(1 for w in vocab if reference_count(tokens, n, (*h, w)) > 0)
        d = discounts[k - 1]
        return max(reference_count(tokens, n, (*h, token)) - d, 0) / total + d * followers / total * p(k - 1, h[1:])

    h = tuple(context)[-(n - 1) :] if n > 1 else ()
    return p(len(h) + 1, h)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("custom_discounts", [False, True])
def test_kneser_ney_equals_its_definition_for_every_context_and_token(n, custom_discounts):
    tokens = list("abracadabra arcadia bad cab")
    vocab = sorted(set(tokens)) + ["?"]  # one token never seen
    if custom_discounts:
        discounts = [0.3, 0.75, 1.0, 0.5][:n]
        model = KneserNeyModel(tokens, n, len(vocab), discounts)
    else:
        discounts = reference_ney_discounts(tokens, n)
        model = KneserNeyModel(tokens, n, len(vocab))
    assert model.discounts == pytest.approx(discounts, rel=1e-12)
    contexts = [c for length in range(n) for c in itertools.product(vocab, repeat=length)]
    contexts.append(tuple("zz abra"))  # longer than n - 1: only its last n - 1 tokens count
    for context in contexts:
        for token in vocab:
            expected = reference_kneser_ney(tokens, n, vocab, discounts, context, token)
            assert model.prob(context, token) == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_kneser_ney_probabilities_sum_to_one_over_the_vocabulary(n):
    fit = book_slices().fit[:5000]
    vocab_size = 30  # the book has 28 tokens: ids 28 and 29 never occur
    rng = random.Random(0)
    seen = [tuple(fit[t - length : t]) for length in (0, 1, n - 1, n + 3) for t in rng.sample(range(20, 5000), 20)]
    unseen = [tuple(rng.choice((28, 29)) for _ in range(length)) for length in (1, n - 1, n + 3)]
    mixed = [(*context, 29) for context in seen[::7]] + [(29, *context) for context in seen[::7]]
    for discounts in (None, [1.0] * n, [0.1] * n):
        model = KneserNeyModel(fit, n, vocab_size, discounts)
        for context in seen + unseen + mixed:
            total = sum(model.prob(context, token) for token in range(vocab_size))
            assert total == pytest.approx(1.0, abs=1e-9), context


def test_kneser_ney_gives_a_token_never_seen_a_positive_probability():
    model = KneserNeyModel(list("aaaa"), 3, 2)  # token "b" never occurs, even as context
    assert model.prob(("a", "a"), "b") > 0
    assert model.prob(("b", "b"), "b") > 0
    assert model.prob(("a", "a"), "a") + model.prob(("a", "a"), "b") == pytest.approx(1.0)


def test_kneser_ney_bad_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        KneserNeyModel(list("abc"), 0, 3)
    with pytest.raises(ValueError, match="vocab_size must be a positive integer, got 2.0"):
        KneserNeyModel(list("abc"), 2, 2.0)
    with pytest.raises(ValueError, match="vocab_size=2 is smaller than the 3 distinct training tokens"):
        KneserNeyModel(list("abc"), 2, 2)
    with pytest.raises(ValueError, match="tokens: 3 tokens are too few for a 4-gram model"):
        KneserNeyModel(list("abc"), 4, 3)
    with pytest.raises(ValueError, match=r"discounts must be a sequence of n=2 numbers, one per order, got \[0.5\]"):
        KneserNeyModel(list("abc"), 2, 3, discounts=[0.5])
    with pytest.raises(ValueError, match="discounts must be a sequence of n=2 numbers, one per order, got 0.5"):
        KneserNeyModel(list("abc"), 2, 3, discounts=0.5)
    with pytest.raises(ValueError, match=r"discounts\[1\] \(order 2\) must be in \(0, 1\], got 1.5"):
        KneserNeyModel(list("abc"), 2, 3, discounts=[0.5, 1.5])
    with pytest.raises(ValueError, match=r"discounts\[0\] \(order 1\) must be a positive, finite number, got 0"):
        KneserNeyModel(list("abc"), 2, 3, discounts=[0, 0.5])
    with pytest.raises(ValueError, match=r"discounts\[0\] \(order 1\) must be a positive, finite number, got nan"):
        KneserNeyModel(list("abc"), 2, 3, discounts=[math.nan, 0.5])


def test_kneser_ney_beats_add_k_on_the_development_slice():
    """Each model family at its best order (and k), chosen on the development slice alone."""
    slices = book_slices()
    vocab_size = len(slices.vocab)
    kn_n, kn_dev = choose_kneser_ney_order(slices.fit, slices.dev, vocab_size)
    add_k_n, add_k_k, add_k_dev = choose_add_k(slices.fit, slices.dev, vocab_size)
    print(f"Kneser-Ney: n={kn_n}, dev perplexity {kn_dev:.3f}")
    print(f"add-k: n={add_k_n}, k={add_k_k}, dev perplexity {add_k_dev:.3f}")
    assert kn_dev < add_k_dev
    assert kn_dev == pytest.approx(stream_perplexity(KneserNeyModel(slices.fit, kn_n, vocab_size), slices.dev))
    assert add_k_dev == pytest.approx(
        stream_perplexity(NgramModel(slices.fit, add_k_n, vocab_size, add_k_k), slices.dev)
    )
