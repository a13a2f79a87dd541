"""Training: global-norm gradient clipping, one epoch, many epochs with a history, perplexity.

Perplexity is exp of the token-weighted mean cross-entropy over a whole pass -- the geometric
mean of 1/p(correct token) -- not the mean of per-batch perplexities.
"""

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import trange

from .batches import CorpusData
from .checks import check_nonnegative_int, check_positive_float, check_positive_int
from .device import default_device
from .models import detach_state, evaluating
from .sampling import encode_prefix, predict
from .vocab import Vocab


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite: training cannot go on from here."""


class VocabMismatchError(ValueError):
    """Token ids from one vocabulary given to a model trained with another: every id that differs
    stands for another character, so a loss or perplexity computed on them is meaningless."""


def check_same_vocab(
    name: str,
    data_vocab: Vocab | None,
    model_vocab: Vocab | None,
    remedy: str = "load_data(..., vocab=vocab)",
) -> None:
    """Raise VocabMismatchError if both vocabularies are known and differ (None: not known);
    the message suggests `remedy` as the way to encode the text with the model's vocabulary."""
    if data_vocab is None or model_vocab is None or data_vocab == model_vocab:
        return
    pairs = list(zip(model_vocab.idx_to_token, data_vocab.idx_to_token))
    differ = [i for i, (ours, theirs) in enumerate(pairs) if ours != theirs]
    example = (f" (id {differ[0]} is {pairs[differ[0]][0]!r} to the model, {pairs[differ[0]][1]!r} in "
               f"{name})" if differ else "")
    raise VocabMismatchError(
        f"{name} holds ids from another vocabulary than the model's: {len(data_vocab)} tokens against "
        f"{len(model_vocab)}, {len(differ)} of the shared ids stand for other tokens{example}; encode "
        f"the text with the model's vocabulary, e.g. {remedy}"
    )


def grad_clipping(net: nn.Module, theta: float) -> float:
    """Scale all gradients together so their global L2 norm is at most `theta`.

    Returns the norm before clipping. Clipping the global norm keeps the gradient's direction,
    unlike clipping each element or each tensor on its own. `theta=math.inf` clips nothing.
    """
    # A negative theta would flip the gradients into gradient ascent, so it is refused.
    theta = check_positive_float("theta", theta, allow_inf=True)
    grads = [p.grad for p in net.parameters() if p.requires_grad and p.grad is not None]
    if not grads:
        return 0.0
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    norm_value = float(norm)
    if norm_value > theta:
        for g in grads:
            g.mul_(theta / norm)
    return norm_value


def _uses_random_iter(loader) -> bool:
    return getattr(loader, "use_random_iter", False)


def _exp(mean_loss: float) -> float:
    """The perplexity of a mean cross-entropy: inf, not an OverflowError, beyond the largest float."""
    try:
        return math.exp(mean_loss)
    except OverflowError:
        return math.inf


def _divergence(what: str, optimizer: torch.optim.Optimizer, theta: float) -> DivergenceError:
    """The error for a run that blew up: what happened, and the two ways to prevent it."""
    lr = optimizer.param_groups[0]["lr"]
    return DivergenceError(
        f"{what}: lower the learning rate (lr={lr}) or clip gradients harder (theta={theta})"
    )


def perplexity(net: nn.Module, loader, device: torch.device | str | None = None) -> float:
    """exp(total cross-entropy / total tokens) over one pass of `loader`, state carried over
    sequential batches (and restarted for each random batch), without training; inf if that is
    beyond the largest float."""
    check_same_vocab("loader", getattr(loader, "vocab", None), getattr(net, "vocab", None))
    device = torch.device(device) if device is not None else next(net.parameters()).device
    total_loss, total_tokens, state = 0.0, 0, None
    with evaluating(net):
        for X, Y in loader:
            X, Y = X.to(device), Y.to(device)
            if state is None or _uses_random_iter(loader):
                state = net.begin_state(X.shape[0], device)
            logits, state = net(X, state)
            total_loss += float(nn.functional.cross_entropy(logits, Y.T.reshape(-1), reduction="sum"))
            total_tokens += Y.numel()
    if total_tokens == 0:
        raise ValueError("loader gave no batches: nothing to measure perplexity on")
    return _exp(total_loss / total_tokens)


@dataclass
class EpochStats:
    perplexity: float
    tokens_per_s: float
    grad_norms: list[float]


def train_epoch(
    net: nn.Module,
    loader,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    theta: float = 1.0,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> EpochStats:
    """One pass over `loader`: forward, cross-entropy, backward, clip, step.

    With sequential batches the state carries over from one batch to the next but is detached,
    so gradients flow back `num_steps` steps only; with random batches it starts from zero.
    Raises DivergenceError once the loss is NaN or infinite, or its epoch mean too large for exp.
    """
    theta = check_positive_float("theta", theta, allow_inf=True)
    check_same_vocab("loader", getattr(loader, "vocab", None), getattr(net, "vocab", None))
    net.train()
    total_loss, total_tokens, state, norms = 0.0, 0, None, []
    start = time.perf_counter()
    for step, (X, Y) in enumerate(loader):
        X, Y = X.to(device), Y.to(device)
        if state is None or _uses_random_iter(loader):
            state = net.begin_state(X.shape[0], device)
        else:
            state = detach_state(state)
        logits, state = net(X, state)
        loss = nn.functional.cross_entropy(logits, Y.T.reshape(-1))
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            raise _divergence(f"loss became {loss_value} at batch {step}", optimizer, theta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norms.append(grad_clipping(net, theta))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total_loss += loss_value * Y.numel()
        total_tokens += Y.numel()
    seconds = time.perf_counter() - start
    if total_tokens == 0:
        raise ValueError("loader gave no batches: nothing to train on")
    mean_loss = total_loss / total_tokens
    ppl = _exp(mean_loss)
    if ppl == math.inf:  # every loss was finite, but so large that the run has blown up all the same
        raise _divergence(f"the mean loss reached {mean_loss:.4g}, a perplexity past 1e308", optimizer, theta)
    return EpochStats(ppl, total_tokens / seconds, norms)


def _check_loader(name: str, loader) -> None:
    """Refuse what cannot be a loader, e.g. the whole of `load_data`'s result or its vocabulary."""
    if isinstance(loader, CorpusData) or not isinstance(loader, Iterable):
        raise TypeError(
            f"{name} must be a loader of (inputs, targets) batches, got a {type(loader).__name__}: "
            "from data = load_data(...), pass data.train as train_iter and data.val as val_iter"
        )


@dataclass
class History:
    """Per-epoch perplexities and speed, and the gradient norm of every step before clipping."""

    train_ppl: list[float] = field(default_factory=list)
    val_ppl: list[float] = field(default_factory=list)
    tokens_per_s: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    samples: list[tuple[int, str]] = field(default_factory=list)


def make_optimizer(net: nn.Module, name: str, lr: float) -> torch.optim.Optimizer:
    """The classic recipe's SGD, or Adam."""
    if name == "sgd":
        return torch.optim.SGD(net.parameters(), lr=lr)
    if name == "adam":
        return torch.optim.Adam(net.parameters(), lr=lr)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {name!r}")


def one_cycle(optimizer: torch.optim.Optimizer, lr: float, total_steps: int) -> torch.optim.lr_scheduler.OneCycleLR:
    """Warm the learning rate up from lr/25 to `lr` over the first 10 % of the steps, then anneal it
    to almost zero: the high rate explores quickly, the low rate at the end settles in."""
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps, pct_start=0.1)


def train(
    net: nn.Module,
    train_iter,
    vocab: Vocab,
    lr: float,
    num_epochs: int,
    device: torch.device | str | None = None,
    *,
    val_iter=None,
    theta: float = 1.0,
    optimizer: str | torch.optim.Optimizer = "sgd",
    lr_schedule: str | None = None,
    sample_every: int = 0,
    prefix: str = "time traveller",
    num_preds: int = 50,
    progress: bool = True,
    on_epoch=None,
) -> History:
    """Train `net` for `num_epochs`, with a progress bar, and return its `History`.

    `optimizer` is 'sgd' (the classic recipe: lr 1, theta 1), 'adam', or an optimizer of your
    own over `net`'s parameters. `lr_schedule='onecycle'` makes `lr` the peak of a one-cycle
    schedule over all the steps (see `one_cycle`); None keeps it constant. With `sample_every=k`,
    a greedy sample from `prefix` is printed (and kept in the history) every k epochs. `on_epoch(epoch, history)`, if given, is called
    after each epoch (epochs count from 1), e.g. to move a widget's progress bar.
    Bad arguments raise before the first step; a run that blows up raises DivergenceError.
    """
    check_positive_float("lr", lr)
    check_positive_int("num_epochs", num_epochs)
    check_positive_float("theta", theta, allow_inf=True)
    _check_loader("train_iter", train_iter)
    if val_iter is not None:
        _check_loader("val_iter", val_iter)
    check_nonnegative_int("sample_every", sample_every)
    check_positive_int("num_preds", num_preds)
    if sample_every:  # the prefix only matters, and must fit the vocabulary, when there is sampling
        encode_prefix(prefix, vocab)
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be a function of (epoch, history) or None, got {on_epoch!r}")
    check_same_vocab("train_iter", getattr(train_iter, "vocab", None), vocab)
    check_same_vocab("val_iter", getattr(val_iter, "vocab", None), vocab)
    check_same_vocab("vocab", vocab, getattr(net, "vocab", None))
    net.vocab = vocab  # from now on, the model's ids mean this vocabulary's tokens
    device = torch.device(device) if device is not None else default_device()
    net.to(device)
    if isinstance(optimizer, str):
        optimizer = make_optimizer(net, optimizer, lr)
    if lr_schedule not in (None, "onecycle"):
        raise ValueError(f"lr_schedule must be None or 'onecycle', got {lr_schedule!r}")
    scheduler = None
    if lr_schedule == "onecycle":
        batches = train_iter.max_batches() if hasattr(train_iter, "max_batches") else len(train_iter)
        scheduler = one_cycle(optimizer, lr, num_epochs * batches)
    history = History()
    # Redraw at most every half second: each redraw of a notebook progress bar is a message to
    # the front end, and thousands of them can overflow the kernel's output channel.
    bar = trange(num_epochs, desc="epochs", disable=not progress, mininterval=0.5)
    for epoch in bar:
        stats = train_epoch(net, train_iter, optimizer, device, theta, scheduler)
        history.train_ppl.append(stats.perplexity)
        history.tokens_per_s.append(stats.tokens_per_s)
        history.grad_norms.extend(stats.grad_norms)
        shown = {"train ppl": f"{stats.perplexity:.2f}"}
        if val_iter is not None:
            history.val_ppl.append(perplexity(net, val_iter, device))
            shown["val ppl"] = f"{history.val_ppl[-1]:.2f}"
        bar.set_postfix(shown, refresh=False)
        if sample_every and (epoch + 1) % sample_every == 0:
            text = predict(prefix, num_preds, net, vocab, device)
            history.samples.append((epoch + 1, text))
            bar.write(f"epoch {epoch + 1}: {text}")
        if on_epoch is not None:
            on_epoch(epoch + 1, history)
    return history
