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
from .models import CELLS, RNNModel, evaluating
from .training import DivergenceError, History, check_same_vocab, train
from .vocab import Vocab, check_covers

WARMUP = 10
DEV_FRACTION = TEST_FRACTION = 0.1


class Stream(list):
    """Token ids that carry the vocabulary they come from, as loaders do: scoring a model on a
    stream from another vocabulary raises VocabMismatchError instead of scoring scrambled text."""

    def __init__(self, ids: Sequence[int], vocab: Vocab) -> None:
        super().__init__(ids)
        self.vocab = vocab

    def encoded_with(self, vocab: Vocab) -> "Stream":
        """The same tokens as ids of `vocab` (every token must be in it)."""
        tokens = self.vocab.to_tokens(list(self))
        check_covers(vocab, tokens, "the stream")
        return Stream(vocab[tokens], vocab)


class Slices(NamedTuple):
    """The book's token ids cut into fit / development / test slices, and their vocabulary."""

    fit: Stream
    dev: Stream
    test: Stream
    vocab: Vocab


def book_slices() -> Slices:
    """The Time Machine, letters-only and lower-cased, cut 80 / 10 / 10 in reading order."""
    data = load_data(batch_size=1, num_steps=1)
    ids = data.train.corpus.tolist()
    test_cut = len(ids) - round(len(ids) * TEST_FRACTION)
    dev_cut = test_cut - round(len(ids) * DEV_FRACTION)
    vocab = data.vocab
    return Slices(
        Stream(ids[:dev_cut], vocab), Stream(ids[dev_cut:test_cut], vocab), Stream(ids[test_cut:], vocab), vocab
    )


def ngram_stream_losses(model, ids: Sequence[int], warmup: int = WARMUP) -> torch.Tensor:
    """The negative log-likelihood of each token of `ids[warmup:]` (float64), each token given
    the tokens before it (an n-gram model uses the last n - 1)."""
    if len(ids) <= warmup:
        raise ValueError(f"ids: {len(ids)} tokens leave nothing to score after {warmup} of warm-up")
    if model.n - 1 > warmup:
        raise ValueError(f"a {model.n}-gram needs {model.n - 1} tokens of context, more than warmup={warmup}")
    return torch.tensor(
        [-math.log(model.prob(tuple(ids[t - model.n + 1 : t]), ids[t])) for t in range(warmup, len(ids))],
        dtype=torch.float64,
    )


def rnn_stream_losses(net: nn.Module, ids: Sequence[int], warmup: int = WARMUP, chunk: int = 1024) -> torch.Tensor:
    """The negative log-likelihood of each token of `ids[warmup:]` (float64, on the CPU) for a
    recurrent model that reads `ids` as one stream with one continuous state (batch 1, fed
    `chunk` tokens at a time, which changes nothing but speed)."""
    if len(ids) <= warmup:
        raise ValueError(f"ids: {len(ids)} tokens leave nothing to score after {warmup} of warm-up")
    check_positive_int("chunk", chunk)
    check_same_vocab(
        "the stream", getattr(ids, "vocab", None), getattr(net, "vocab", None), "stream.encoded_with(vocab)"
    )
    device = next(net.parameters()).device
    stream = torch.as_tensor(ids, device=device)
    pieces, state = [], net.begin_state(1, device)
    with evaluating(net):
        # row j of the logits predicts token j + 1; tokens before `warmup` are context only
        for start in range(0, len(ids) - 1, chunk):
            X = stream[start : min(start + chunk, len(ids) - 1)]
            Y = stream[start + 1 : start + 1 + len(X)]
            logits, state = net(X[None, :], state)
            losses = nn.functional.cross_entropy(logits, Y, reduction="none")
            pieces.append(losses[max(warmup - 1 - start, 0) :].double().cpu())
    return torch.cat(pieces)


def stream_losses(model, ids: Sequence[int], warmup: int = WARMUP) -> torch.Tensor:
    """The negative log-likelihood of each token of `ids[warmup:]` under the protocol above, for
    an n-gram model (it has `prob`) or a recurrent model (an `nn.Module`)."""
    score = rnn_stream_losses if isinstance(model, nn.Module) else ngram_stream_losses
    return score(model, ids, warmup)


def stream_perplexity(model, ids: Sequence[int], warmup: int = WARMUP) -> float:
    """exp(mean negative log-likelihood) of `ids[warmup:]` under the protocol above, for an
    n-gram model (it has `prob`) or a recurrent model (an `nn.Module`)."""
    return math.exp(float(stream_losses(model, ids, warmup).mean()))


# The paired block bootstrap's settings: blocks of 100 characters (about 20 words) keep the
# dependence between neighbouring characters' losses inside a block; 2,000 resamples.
BLOCK, RESAMPLES = 100, 2000


class Interval(NamedTuple):
    """A 95 % interval for the mean per-character loss of model a minus that of model b, in nats:
    below 0, a predicts the test text better; containing 0, the two cannot be told apart."""

    low: float
    high: float

    def verdict(self) -> str:
        """'a' or 'b' (the better model, when the interval excludes 0), or 'not distinguishable'."""
        return "a" if self.high < 0 else "b" if self.low > 0 else "not distinguishable"


def paired_bootstrap(
    losses_a: Sequence[torch.Tensor],
    losses_b: Sequence[torch.Tensor],
    block: int = BLOCK,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """How much better model a predicts the test text than model b, with the text's own noise.

    `losses_a` and `losses_b` hold per-token losses of the same tokens (`stream_losses`), one
    tensor per training seed. Each resample draws one seed of each model and len / block blocks
    of `block` consecutive tokens, the same blocks for both models (paired), and takes the mean
    loss difference over them; the interval holds the middle 95 % of the resampled means. So it
    counts both the spread over seeds and which passages happen to make up the test text.
    """
    check_positive_int("block", block)
    check_positive_int("resamples", resamples)
    length = len(losses_a[0])
    if any(len(losses) != length for losses in (*losses_a, *losses_b)):
        raise ValueError("losses_a, losses_b: every model must score the same tokens")
    if length < 2 * block:
        raise ValueError(f"block={block}: the text has {length} tokens, fewer than two blocks")
    generator = torch.Generator().manual_seed(seed)
    # block_means[i, j, s]: mean difference of a's seed i and b's seed j over tokens s .. s + block - 1
    differences = torch.stack([torch.stack([a - b for b in losses_b]) for a in losses_a]).double()
    sums = nn.functional.pad(differences.cumsum(-1), (1, 0))
    block_means = (sums[..., block:] - sums[..., :-block]) / block
    starts = torch.randint(block_means.shape[-1], (resamples, length // block), generator=generator)
    seed_a = torch.randint(len(losses_a), (resamples, 1), generator=generator)
    seed_b = torch.randint(len(losses_b), (resamples, 1), generator=generator)
    means = block_means[seed_a, seed_b, starts].mean(dim=1)
    low, high = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
    return Interval(low, high)


def fit_loader(slices: Slices, batch_size: int, num_steps: int, seed: int) -> SeqDataLoader:
    """Sequential minibatches of the fit slice (the state carries across batches); the seed
    picks the random offset the stream is cut at in each epoch."""
    return SeqDataLoader(slices.fit, batch_size, num_steps, seed=seed, vocab=slices.vocab)


# What every recurrent model of the ladder shares: windows of 64 steps in batches of 32, Adam with
# a one-cycle schedule, global-norm clipping at 1, a budget of 10 epochs over the fit slice.
SHARED = {"batch_size": 32, "num_steps": 64, "theta": 1.0, "num_epochs": 10}
# What `tune` searches, per cell, on the development slice. One hidden size for all three cells
# keeps the trainings of chapters 6 and 7 within the pages' time budget; at 256 units the vanilla
# RNN did no better on the development slice (4.505 at a peak of 0.01, 8.147 at 0.02, against
# 4.426 at 128 units and 0.04).
GRID = {"num_hiddens": (128,), "lr": (0.01, 0.02, 0.04, 0.08, 0.16)}
# What `python -m charrnn.ladder --tune` printed (seed 0, 128 units, development-slice perplexity
# by peak learning rate); rerun it to check.
DEV_SEARCH = {
    "RNN": {0.01: 4.842, 0.02: 4.494, 0.04: 4.426, 0.08: 9.689, 0.16: 15.926},
    "GRU": {0.01: 4.159, 0.02: 3.951, 0.04: 3.928, 0.08: 4.437, 0.16: 7.374},
    "LSTM": {0.01: 4.490, 0.02: 4.071, 0.04: 3.897, 0.08: 3.883, 0.16: 3.926},
}
# The winners, each inside the grid, not at its edge.
RECIPES = {
    "RNN": {"num_hiddens": 128, "lr": 0.04},
    "GRU": {"num_hiddens": 128, "lr": 0.04},
    "LSTM": {"num_hiddens": 128, "lr": 0.08},
}
# Chapter 7 races the gated cells against a vanilla RNN with as many parameters as the LSTM:
# 263 units (84,451 parameters against the LSTM's 84,508). Its peak rate is searched on the
# development slice as above; `python -m charrnn.ladder --tune --wide` printed this (seed 0).
WIDE_GRID = {"num_hiddens": (263,), "lr": (0.005, 0.01, 0.02, 0.04)}
WIDE_DEV_SEARCH = {0.005: 5.104, 0.01: 4.493, 0.02: 4.699, 0.04: 9.513}
WIDE_RECIPE = {"num_hiddens": 263, "lr": 0.01}


def train_recurrent(
    cell: str,
    slices: Slices,
    seed: int,
    num_hiddens: int,
    lr: float,
    *,
    device: torch.device | str | None = None,
    val_iter=None,
    num_epochs: int | None = None,
    progress: bool = False,
) -> tuple[nn.Module, History]:
    """A one-layer `cell` ('RNN', 'GRU' or 'LSTM') language model trained on the fit slice under
    the shared settings, and its history; `seed` sets both the initial weights and the batches'
    offsets. `val_iter`, if given, is scored after every epoch (for a curve, not for choices);
    `num_epochs` overrides the shared budget (for quick tests)."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    V = len(slices.vocab)
    torch.manual_seed(seed)
    # the vanilla RNN runs through the fast path, which computes the same function faster
    net = RNNModel(CELLS[cell](V, num_hiddens), V, fast=cell == "RNN")
    loader = fit_loader(slices, SHARED["batch_size"], SHARED["num_steps"], seed)
    history = train(net, loader, slices.vocab, lr, num_epochs or SHARED["num_epochs"], device, val_iter=val_iter,
                    theta=SHARED["theta"], optimizer="adam", lr_schedule="onecycle", progress=progress)
    return net, history


def tune(cells: Sequence[str] = tuple(CELLS), grid: dict = GRID) -> dict:
    """Every point of `grid` for each cell, trained with seed 0 and scored on the development
    slice: {cell: {(num_hiddens, lr): dev perplexity}}. The test slice is never read."""
    slices = book_slices()
    results = {}
    for cell in cells:
        results[cell] = {}
        for num_hiddens in grid["num_hiddens"]:
            for lr in grid["lr"]:
                try:
                    net, _ = train_recurrent(cell, slices, 0, num_hiddens, lr)
                    results[cell][num_hiddens, lr] = stream_perplexity(net, slices.dev)
                except DivergenceError:  # a rate too high for this cell is a result, not a crash
                    results[cell][num_hiddens, lr] = math.inf
                print(f"{cell:<4} hidden {num_hiddens:>3}  lr {lr:<6}  dev perplexity "
                      f"{results[cell][num_hiddens, lr]:.3f}", flush=True)
        (h, lr), ppl = min(results[cell].items(), key=lambda item: item[1])
        print(f"{cell}: best on the development slice: hidden {h}, lr {lr} ({ppl:.3f})", flush=True)
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m charrnn.ladder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tune", action="store_true", help="search GRID on the development slice")
    parser.add_argument("--wide", action="store_true", help="search WIDE_GRID, the vanilla RNN at 263 units")
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    args = parser.parse_args()
    if args.tune and args.wide:
        tune(["RNN"], WIDE_GRID)
    elif args.tune:
        tune(args.cells)
    else:
        parser.print_help()
