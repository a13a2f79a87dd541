"""Counting n-grams, and the n-gram language models the RNN has to beat.

Add-k smoothing: P(x_t | previous n-1 tokens) = (count(context, x_t) + k) / (count(context) + k |V|):
every continuation gets k pseudo-counts, so nothing unseen has probability zero.

Interpolated Kneser-Ney (Chen and Goodman 1998) is the strong baseline, for two reasons.

- Absolute discounting. Add-k takes probability from seen continuations in proportion to how
  rare the context is, and hands it out evenly to all |V| tokens, the absurd ones too. Kneser-Ney
  subtracts a fixed D (between 0 and 1) from every seen count instead, which costs a frequent
  n-gram almost nothing and a once-seen one a lot, and it hands the freed mass to the next-shorter
  context's estimate, which knows which tokens are plausible.
- Continuation counts. That shorter estimate is mixed in for every context, with the weight
  D N1+(h .) / c(h .), which is largest when the longer context h is rare. There it should say
  how many *different* contexts a token completes, not how often it appears. The classic
  example: "Francisco" is frequent, but almost always after "San"; after an unfamiliar word it is
  a poor guess, however often it occurs. Below the top order, Kneser-Ney counts a k-gram once per
  distinct token seen before it: N1+(. w), not count(w).
"""

import math
from collections import Counter
from collections.abc import Sequence

from .checks import check_positive_float, check_positive_int
from .ladder import stream_perplexity

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


def continuation_counts(tokens: Sequence, k: int) -> Counter:
    """N1+(. g) for every run g of `k` consecutive tokens: how many distinct tokens come right
    before g in `tokens`, that is, in how many different contexts g occurs (keys are tuples)."""
    check_positive_int("k", k)
    return Counter(gram[1:] for gram in count_ngrams(tokens, k + 1))


def _check_discounts(discounts: Sequence[float], n: int) -> tuple[float, ...]:
    """`discounts` as a tuple of n floats, each in (0, 1], else a ValueError naming it."""
    if isinstance(discounts, (str, bytes)) or not isinstance(discounts, Sequence) or len(discounts) != n:
        raise ValueError(f"discounts must be a sequence of n={n} numbers, one per order, got {discounts!r}")
    for order, discount in enumerate(discounts, start=1):
        check_positive_float(f"discounts[{order - 1}] (order {order})", discount)
        if discount > 1:
            raise ValueError(f"discounts[{order - 1}] (order {order}) must be in (0, 1], got {discount!r}")
    return tuple(float(discount) for discount in discounts)


def ney_discount(counts: Counter) -> float:
    """Ney's discount n1 / (n1 + 2 n2), from how many n-grams have count 1 (n1) and count 2 (n2).
    An order with no count-1 n-gram (only on tiny or repetitive text) is treated as if it had one:
    a discount of 0 would leave no probability for anything unseen."""
    n1 = max(sum(1 for count in counts.values() if count == 1), 1)
    n2 = sum(1 for count in counts.values() if count == 2)
    return n1 / (n1 + 2 * n2)


class KneserNeyModel:
    """An interpolated Kneser-Ney n-gram model over a vocabulary of `vocab_size` tokens.

    For each order k = 1..n, with h the last k-1 tokens of the context and h' the last k-2:

        P_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h .)  +  D_k N1+(h .) / c_k(h .) * P_{k-1}(w | h')

    where c_n is the raw count, c_k for k < n is the continuation count N1+(. h w) (how many
    distinct tokens precede h w), c_k(h .) = sum over w of c_k(h w), N1+(h .) = how many distinct
    w have c_k(h w) > 0, and P_0(w) = 1 / vocab_size. A context never seen (c_k(h .) = 0) passes
    P_{k-1} through unchanged. `discounts[k-1]` is D_k; by default Ney's estimate at each order.
    """

    def __init__(
        self, tokens: Sequence[int], n: int, vocab_size: int, discounts: Sequence[float] | None = None
    ) -> None:
        self.n = check_positive_int("n", n)
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        if len(tokens) < n:
            raise ValueError(f"tokens: {len(tokens)} tokens are too few for a {n}-gram model")
        distinct = len(set(tokens))
        if distinct > vocab_size:
            raise ValueError(f"vocab_size={vocab_size} is smaller than the {distinct} distinct training tokens")

        # counts[k-1] holds the counts order k uses: raw at the top, continuation counts below
        self.counts = [continuation_counts(tokens, k) for k in range(1, n)] + [count_ngrams(tokens, n)]

        if discounts is None:
            self.discounts = tuple(ney_discount(counts) for counts in self.counts)
        else:
            self.discounts = _check_discounts(discounts, n)

        # P_k(w | h) = discounted[k-1][h w] + backoff_weight[k-1][h] * P_{k-1}(w | h'): both
        # terms are precomputed, so that `prob` is a handful of dictionary look-ups per order
        self.discounted: list[dict[tuple, float]] = []
        self.backoff_weight: list[dict[tuple, float]] = []
        for counts, discount in zip(self.counts, self.discounts):
            context_total, followers = Counter(), Counter()  # c_k(h .) and N1+(h .)
            for gram, count in counts.items():
                context_total[gram[:-1]] += count
                followers[gram[:-1]] += 1
            self.discounted.append(
                {gram: max(count - discount, 0) / context_total[gram[:-1]] for gram, count in counts.items()}
            )
            self.backoff_weight.append(
                {h: discount * followers[h] / total for h, total in context_total.items()}
            )

    def prob(self, context: tuple, token) -> float:
        """P(token | the last n-1 tokens of `context`); a shorter context is scored by the
        lower order of its own length, the one the full model would back off to."""
        context = tuple(context[max(len(context) - (self.n - 1), 0):]) if self.n > 1 else ()
        p = 1.0 / self.vocab_size
        for k in range(1, len(context) + 2):
            h = context[len(context) - (k - 1):]
            # an unseen context has no entry: weight 1 and no discounted term pass P_{k-1} through
            p = self.discounted[k - 1].get((*h, token), 0.0) + self.backoff_weight[k - 1].get(h, 1.0) * p
        return p


def choose_kneser_ney_order(
    fit_ids: Sequence[int], dev_ids: Sequence[int], vocab_size: int, orders: Sequence[int] = range(2, 9)
) -> tuple[int, float]:
    """The order n among `orders` whose Kneser-Ney model, fit on `fit_ids` with Ney's discounts,
    has the lowest `stream_perplexity` on `dev_ids`. Returns (n, dev perplexity)."""
    scores = {n: stream_perplexity(KneserNeyModel(fit_ids, n, vocab_size), dev_ids) for n in orders}
    best = min(scores, key=scores.get)
    return best, scores[best]


def choose_add_k(
    fit_ids: Sequence[int], dev_ids: Sequence[int], vocab_size: int, orders: Sequence[int] = range(1, 7)
) -> tuple[int, float, float]:
    """The order n among `orders` and the k in `K_GRID` whose add-k model, fit on `fit_ids`, has
    the lowest `stream_perplexity` on `dev_ids`. Returns (n, k, dev perplexity)."""
    scores = {
        (n, k): stream_perplexity(NgramModel(fit_ids, n, vocab_size, k), dev_ids) for n in orders for k in K_GRID
    }
    best_n, best_k = min(scores, key=scores.get)
    return best_n, best_k, scores[best_n, best_k]
