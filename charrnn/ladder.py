"""One protocol for comparing language models fairly on The Time Machine.

Every model sees the same three slices of the whole book, cut in order: the first 80 % to fit
on, the next 10 % (the development slice) to choose hyperparameters on, the last 10 % (the test
slice) to report, scored once. Every model scores exactly the same test tokens: it reads the
test slice from its first token as one continuous stream (an RNN carries one state through it,
an n-gram looks back at most its n - 1 tokens), and the first `WARMUP` tokens serve only as
context, so that no model is scored on a token it had no context for.
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from .batches import SeqDataLoader, load_data
from .checks import check_positive_int
from .vocab import Vocab

WARMUP = 10
DEV_FRACTION = TEST_FRACTION = 0.1


class Slices(NamedTuple):
    """The book's token ids cut into fit / development / test slices, and their vocabulary."""

    fit: list[int]
    dev: list[int]
    test: list[int]
    vocab: Vocab


def book_slices() -> Slices:
    """The Time Machine, letters-only and lower-cased, cut 80 / 10 / 10 in reading order."""
    data = load_data(batch_size=1, num_steps=1)
    ids = data.train.corpus.tolist()
    test_cut = len(ids) - round(len(ids) * TEST_FRACTION)
    dev_cut = test_cut - round(len(ids) * DEV_FRACTION)
    return Slices(ids[:dev_cut], ids[dev_cut:test_cut], ids[test_cut:], data.vocab)


def ngram_stream_nll(model, ids: Sequence[int], warmup: int = WARMUP) -> tuple[float, int]:
    """Total negative log-likelihood of `ids[warmup:]`, each token given the tokens before it
    (an n-gram model uses the last n - 1), and the number of tokens scored."""
    if len(ids) <= warmup:
        raise ValueError(f"ids: {len(ids)} tokens leave nothing to score after {warmup} of warm-up")
    if model.n - 1 > warmup:
        raise ValueError(f"a {model.n}-gram needs {model.n - 1} tokens of context, more than warmup={warmup}")
    nll = -sum(
        math.log(model.prob(tuple(ids[t - model.n + 1 : t]) if model.n > 1 else (), ids[t]))
        for t in range(warmup, len(ids))
    )
    return nll, len(ids) - warmup


def rnn_stream_nll(
    net: nn.Module, ids: Sequence[int], warmup: int = WARMUP, chunk: int = 1024
) -> tuple[float, int]:
    """Total negative log-likelihood of `ids[warmup:]` for a recurrent model that reads `ids` as
    one stream with one continuous state (batch 1, fed `chunk` tokens at a time, which changes
    nothing but speed), and the number of tokens scored."""
    if len(ids) <= warmup:
        raise ValueError(f"ids: {len(ids)} tokens leave nothing to score after {warmup} of warm-up")
    check_positive_int("chunk", chunk)
    device = next(net.parameters()).device
    stream = torch.as_tensor(ids, device=device)
    was_training = net.training
    net.eval()
    nll, state = 0.0, net.begin_state(1, device)
    with torch.no_grad():
        # row j of the logits predicts token j + 1; tokens before `warmup` are context only
        for start in range(0, len(ids) - 1, chunk):
            X = stream[start : min(start + chunk, len(ids) - 1)]
            Y = stream[start + 1 : start + 1 + len(X)]
            logits, state = net(X[None, :], state)
            losses = nn.functional.cross_entropy(logits, Y, reduction="none")
            first = max(warmup - 1 - start, 0)
            nll += float(losses[first:].sum(dtype=torch.float64))
    net.train(was_training)
    return nll, len(ids) - warmup


def stream_perplexity(model, ids: Sequence[int], warmup: int = WARMUP) -> float:
    """exp(mean negative log-likelihood) of `ids[warmup:]` under the protocol above, for an
    n-gram model (it has `prob`) or a recurrent model (an `nn.Module`)."""
    score = rnn_stream_nll if isinstance(model, nn.Module) else ngram_stream_nll
    nll, count = score(model, ids, warmup)
    return math.exp(nll / count)


def fit_loader(slices: Slices, batch_size: int, num_steps: int, seed: int) -> SeqDataLoader:
    """Sequential minibatches of the fit slice (the state carries across batches); the seed
    picks the random offset the stream is cut at in each epoch."""
    return SeqDataLoader(slices.fit, batch_size, num_steps, seed=seed, vocab=slices.vocab)
