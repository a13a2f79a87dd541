"""Counting n-grams, and the add-k smoothed n-gram language model the RNN has to beat.

P(x_t | previous n-1 tokens) = (count(context, x_t) + k) / (count(context) + k |V|): every
continuation gets k pseudo-counts, so nothing unseen has probability zero.
"""

import math
from collections import Counter
from collections.abc import Sequence

from .batches import split_corpus
from .checks import check_positive_float, check_positive_int

K_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def count_ngrams(tokens: Sequence, n: int) -> Counter:
    """How often each run of `n` consecutive tokens occurs (keys are tuples)."""
    check_positive_int("n", n)
    return Counter(zip(*(tokens[i:] for i in range(n))))


class NgramModel:
    """An add-k smoothed n-gram model over a vocabulary of `vocab_size` tokens."""

    def __init__(self, tokens: Sequence, n: int, vocab_size: int, k: float = 1.0) -> None:
        self.n = check_positive_int("n", n)
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        self.k = check_positive_float("k", k)
        if len(tokens) < n:
            raise ValueError(f"tokens: {len(tokens)} tokens are too few for a {n}-gram model")
        self.counts = count_ngrams(tokens, n)
        self.context_counts = count_ngrams(tokens[: len(tokens) - 1], n - 1) if n > 1 else None
        self.num_tokens = len(tokens)

    def prob(self, context: tuple, token) -> float:
        """P(token | the last n-1 tokens of `context`)."""
        context = tuple(context[len(context) - (self.n - 1):]) if self.n > 1 else ()
        seen = self.context_counts[context] if self.context_counts is not None else self.num_tokens
        return (self.counts[(*context, token)] + self.k) / (seen + self.k * self.vocab_size)

    def perplexity(self, tokens: Sequence) -> float:
        """exp of the mean negative log-probability of `tokens[n-1:]`, each given its n-1
        predecessors (the first n-1 tokens only serve as context)."""
        if len(tokens) < self.n:
            raise ValueError(f"tokens: need at least {self.n} tokens, got {len(tokens)}")
        nll = -sum(
            math.log(self.prob(tuple(tokens[t - self.n + 1 : t]), tokens[t]))
            for t in range(self.n - 1, len(tokens))
        )
        return math.exp(nll / (len(tokens) - self.n + 1))


def heldout_perplexity(train_ids: Sequence, heldout_ids: Sequence, n: int, vocab_size: int) -> tuple[float, float]:
    """Chapter 1's baseline for one n: choose k from `K_GRID` on a development slice cut from the
    end of the training text, refit on all of it, score the held-out text. Returns (k, perplexity)."""
    fit_ids, dev_ids = split_corpus(list(train_ids), 0.1)
    k = min(K_GRID, key=lambda k: NgramModel(fit_ids, n, vocab_size, k).perplexity(dev_ids))
    return k, NgramModel(train_ids, n, vocab_size, k).perplexity(heldout_ids)
