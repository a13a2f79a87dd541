import math
import re

import pytest
import torch
from torch import nn

from charrnn import (
    DivergenceError,
    RNNModel,
    RNNScratch,
    SeqDataLoader,
    Vocab,
    grad_clipping,
    load_data,
    load_data_time_machine,
    perplexity,
    train,
    train_epoch,
)


def net_with_grads(scale):
    net = nn.Linear(4, 3)
    for p in net.parameters():
        p.grad = torch.randn_like(p) * scale
    return net


def global_norm(net):
    return math.sqrt(sum(float((p.grad**2).sum()) for p in net.parameters()))


def test_clipping_scales_to_exactly_theta_when_above():
    net = net_with_grads(10.0)
    before = [p.grad.clone() for p in net.parameters()]
    norm = grad_clipping(net, theta=1.0)
    assert norm > 1.0
    assert global_norm(net) == pytest.approx(1.0, rel=1e-6)
    for g0, p in zip(before, net.parameters()):  # same direction: one common factor
        torch.testing.assert_close(p.grad, g0 / norm)


def test_clipping_leaves_small_gradients_untouched():
    net = net_with_grads(0.01)
    before = [p.grad.clone() for p in net.parameters()]
    norm = grad_clipping(net, theta=1.0)
    assert norm == pytest.approx(math.sqrt(sum(float((g**2).sum()) for g in before)), rel=1e-6)
    assert all(torch.equal(g, p.grad) for g, p in zip(before, net.parameters()))


def test_clipping_works_for_both_model_kinds():
    for net in (RNNScratch(10, 8, omega=1.0), RNNModel(nn.RNN(10, 8), 10)):
        X = torch.randint(10, (4, 6))
        logits, _ = net(X, net.begin_state(4))
        (logits.square().sum() * 100).backward()
        assert grad_clipping(net, 0.5) > 0.5
        assert global_norm(net) == pytest.approx(0.5, rel=1e-5)


class FixedLogits(nn.Module):
    """A 'model' that ignores its state and predicts a fixed distribution."""

    def __init__(self, logits):
        super().__init__()
        self.logits = nn.Parameter(logits)

    def begin_state(self, batch_size, device=None):
        return torch.zeros(batch_size, 1, device=device)

    def forward(self, X, state):
        return self.logits.expand(X.numel(), -1), state


def test_perplexity_is_exp_of_token_weighted_mean_cross_entropy():
    torch.manual_seed(1)
    logits = torch.randn(5)
    loader = SeqDataLoader(torch.randint(5, (300,)), batch_size=3, num_steps=7, random_offset=False)
    log_probs = torch.log_softmax(logits, 0)
    targets = torch.cat([Y.flatten() for _, Y in loader])
    expected = math.exp(-float(log_probs[targets].mean()))
    assert perplexity(FixedLogits(logits), loader) == pytest.approx(expected, rel=1e-6)


def test_uniform_model_has_perplexity_vocab_size():
    loader = SeqDataLoader(torch.randint(7, (200,)), 2, 5, random_offset=False)
    assert perplexity(FixedLogits(torch.zeros(7)), loader) == pytest.approx(7.0, rel=1e-6)


@pytest.mark.parametrize("use_random_iter", [False, True])
def test_a_few_epochs_lower_perplexity(use_random_iter):
    loader, vocab = load_data_time_machine(32, 35, use_random_iter=use_random_iter, max_tokens=3000)
    net = RNNModel(nn.RNN(len(vocab), 64), len(vocab))
    before = perplexity(net, loader)
    history = train(net, loader, vocab, lr=1.0, num_epochs=5, device="cpu", progress=False)
    assert len(history.train_ppl) == 5 and len(history.tokens_per_s) == 5
    assert history.train_ppl[-1] < 0.8 * before
    assert perplexity(net, loader) < before
    steps = 5 * (3000 // 32 // 35)
    assert len(history.grad_norms) >= steps - 5 and all(n > 0 for n in history.grad_norms)


def test_train_records_validation_and_samples(capsys):
    loader, vocab = load_data_time_machine(8, 10, max_tokens=1000)
    val = SeqDataLoader(loader.corpus[-200:], 8, 10, random_offset=False)
    net = RNNScratch(len(vocab), 32)
    history = train(net, loader, vocab, 1.0, 4, "cpu", val_iter=val, sample_every=2, num_preds=5,
                    progress=False, optimizer="adam")
    assert len(history.val_ppl) == 4
    assert [epoch for epoch, _ in history.samples] == [2, 4]
    assert all(text.startswith("time traveller") and len(text) == 19 for _, text in history.samples)
    assert "epoch 2: time traveller" in capsys.readouterr().out


def test_nan_loss_stops_at_once_with_advice():
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    net = RNNScratch(len(vocab), 8)
    with torch.no_grad():
        net.W_hq.fill_(float("nan"))
    with pytest.raises(DivergenceError, match=r"loss became nan at batch 0: lower the learning rate \(lr=1.0\)"):
        train(net, loader, vocab, 1.0, 3, "cpu", progress=False)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=0.0, num_epochs=1), "lr must be a positive, finite number, got 0.0"),
    (dict(lr=1.0, num_epochs=0), "num_epochs must be a positive integer, got 0"),
    (dict(lr=1.0, num_epochs=-2), "num_epochs must be a positive integer, got -2"),
    (dict(lr=1.0, num_epochs=1, theta=-1), "theta must be a positive number or math.inf, got -1"),
    (dict(lr=1.0, num_epochs=1, optimizer="rmsprop"), "optimizer must be 'sgd' or 'adam', got 'rmsprop'"),
])
def test_train_bad_arguments(kwargs, message):
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    with pytest.raises(ValueError, match=message):
        train(RNNScratch(len(vocab), 8), loader, vocab, device="cpu", progress=False, **kwargs)


def test_one_cycle_schedule_peaks_at_lr_and_ends_near_zero():
    lr = 0.01
    loader, vocab = load_data_time_machine(8, 10, max_tokens=2001)
    loader = SeqDataLoader(loader.corpus, 8, 10, random_offset=False)  # 25 batches in every epoch
    net = RNNModel(nn.RNN(len(vocab), 16), len(vocab), fast=True)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    lrs = []  # the learning rate of every step, as the step is taken
    optimizer.register_step_pre_hook(lambda optimizer, args, kwargs: lrs.append(optimizer.param_groups[0]["lr"]))
    train(net, loader, vocab, lr, 4, "cpu", optimizer=optimizer, lr_schedule="onecycle", progress=False)
    peak = lrs.index(max(lrs))
    assert len(lrs) == 100 and peak == 9, "the peak ends the first 10 % of the steps"
    assert lrs[peak] == pytest.approx(lr) and lrs[0] == pytest.approx(lr / 25)
    assert lrs[: peak + 1] == sorted(lrs[: peak + 1]) and lrs[peak:] == sorted(lrs[peak:], reverse=True)
    assert lrs[-1] < lr / 1000, "annealed to almost zero"


def test_unknown_lr_schedule_raises():
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    with pytest.raises(ValueError, match="lr_schedule must be None or 'onecycle', got 'cosine'"):
        train(RNNScratch(len(vocab), 8), loader, vocab, 1.0, 1, "cpu", lr_schedule="cosine", progress=False)


@pytest.mark.parametrize("use_random_iter", [False, True])
def test_max_batches_bounds_every_epoch(use_random_iter):
    loader = SeqDataLoader(torch.arange(1000), 4, 7, use_random_iter=use_random_iter, seed=0)
    counts = {sum(1 for _ in loader) for _ in range(20)}
    assert max(counts) <= loader.max_batches() and min(counts) >= loader.max_batches() - 1


@pytest.mark.parametrize("kwargs", [dict(lr=1e9), dict(lr=1e9, theta=math.inf), dict(lr=1e3, theta=math.inf)])
def test_a_run_that_diverges_raises_divergence_error_with_advice(kwargs):
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    with pytest.raises(DivergenceError, match=r"lower the learning rate \(lr=.*\) or clip gradients harder"):
        train(RNNScratch(len(vocab), 8), loader, vocab, num_epochs=3, device="cpu", progress=False, **kwargs)


def test_perplexity_beyond_the_float_range_is_inf():
    loader = SeqDataLoader(torch.zeros(200, dtype=torch.long), 2, 5, random_offset=False)
    logits = torch.tensor([0.0, 1e4, 1e4])  # every target is token 0, given e^-10000: 1e4 nats a token
    assert perplexity(FixedLogits(logits), loader) == math.inf


@pytest.mark.parametrize("theta", [-1.0, 0, math.nan, True, "2"])
def test_clipping_refuses_a_threshold_that_is_not_positive(theta):
    net = net_with_grads(10.0)
    before = [p.grad.clone() for p in net.parameters()]
    message = f"theta must be a positive number or math.inf, got {re.escape(repr(theta))}"
    with pytest.raises(ValueError, match=message):
        grad_clipping(net, theta)
    assert all(torch.equal(g, p.grad) for g, p in zip(before, net.parameters()))


def test_train_epoch_refuses_a_negative_theta_before_any_step():
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    net = RNNScratch(len(vocab), 8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match="theta must be a positive number or math.inf, got -1"):
        train_epoch(net, loader, torch.optim.SGD(net.parameters(), lr=1.0), "cpu", theta=-1)
    torch.testing.assert_close(net.state_dict(), before, rtol=0, atol=0)


def test_clipping_at_infinity_clips_nothing():
    net = net_with_grads(1e6)
    before = [p.grad.clone() for p in net.parameters()]
    grad_clipping(net, math.inf)
    assert all(torch.equal(g, p.grad) for g, p in zip(before, net.parameters()))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(sample_every=1, prefix="The"), ValueError, r"prefix 'The' has characters that are not in"),
    (dict(sample_every=1, prefix=""), ValueError, "prefix must be a non-empty string"),
    (dict(sample_every=1, num_preds=0), ValueError, "num_preds must be a positive integer, got 0"),
    (dict(sample_every=-1), ValueError, "sample_every must be an integer >= 0, got -1"),
    (dict(sample_every=1.5), ValueError, "sample_every must be an integer >= 0, got 1.5"),
    (dict(val_iter=Vocab(list("abc"))), TypeError, r"val_iter must be a loader of \(inputs, targets\) batch"),
    (dict(on_epoch="print"), TypeError, r"on_epoch must be a function of \(epoch, history\) or None, got 'p"),
])
def test_sampling_and_loader_arguments_are_checked_before_the_first_step(kwargs, error, message):
    loader, vocab = load_data_time_machine(4, 5, max_tokens=500)
    net = RNNScratch(len(vocab), 8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(error, match=message):
        train(net, loader, vocab, 1.0, 1, "cpu", progress=False, **kwargs)
    torch.testing.assert_close(net.state_dict(), before, rtol=0, atol=0)


def test_passing_the_whole_corpus_data_as_a_loader_says_which_part_to_pass():
    data = load_data(batch_size=4, num_steps=5, max_tokens=500, val_fraction=0.2)
    with pytest.raises(TypeError, match=r"train_iter must be a loader .*, got a CorpusData: .*data.train as"):
        train(RNNScratch(len(data.vocab), 8), data, data.vocab, 1.0, 1, "cpu", progress=False)
