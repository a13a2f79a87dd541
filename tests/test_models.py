import pytest
import torch
from torch import nn

from charrnn import RNNModel, RNNScratch, detach_state
from charrnn.models import rnn_layer_config, rnn_layer_from_config

V, H, B, T = 28, 16, 3, 5


def test_scratch_parameters_shapes_and_init():
    net = RNNScratch(V, H, generator=torch.Generator().manual_seed(0))
    shapes = {name: tuple(p.shape) for name, p in net.named_parameters()}
    assert shapes == {"W_xh": (V, H), "W_hh": (H, H), "b_h": (H,), "W_hq": (H, V), "b_q": (V,)}
    assert torch.equal(net.b_h, torch.zeros(H)) and torch.equal(net.b_q, torch.zeros(V))
    weights = torch.cat([net.W_xh.flatten(), net.W_hh.flatten(), net.W_hq.flatten()])
    assert abs(weights.std().item() - 0.01) < 0.001 and abs(weights.mean().item()) < 0.001


def test_scratch_forward_shapes_and_values():
    net = RNNScratch(V, H, omega=0.5)
    X = torch.randint(V, (B, T))
    state = net.begin_state(B, "cpu")
    assert torch.equal(state, torch.zeros(B, H))
    logits, new_state = net(X, state)
    assert logits.shape == (T * B, V) and new_state.shape == (B, H)
    # Row t * B + b is step t of sequence b: recompute the recurrence by hand.
    h = torch.zeros(B, H)
    for t in range(T):
        h = torch.tanh(net.W_xh[X[:, t]] + h @ net.W_hh + net.b_h)
        torch.testing.assert_close(logits[t * B : (t + 1) * B], h @ net.W_hq + net.b_q)
    torch.testing.assert_close(new_state, h)


def test_scratch_relu_variant():
    net = RNNScratch(V, H, omega=0.5, nonlinearity="relu")
    _, state = net(torch.randint(V, (B, T)), net.begin_state(B))
    assert (state >= 0).all() and (state > 0).any()


@pytest.mark.parametrize("layer, state_shape", [
    (nn.RNN(V, H), (1, B, H)),
    (nn.GRU(V, H), (1, B, H)),
    (nn.RNN(V, H, num_layers=2, nonlinearity="relu"), (2, B, H)),
    (nn.LSTM(V, H, num_layers=2, bidirectional=True), (4, B, H)),
])
def test_concise_model_shapes(layer, state_shape):
    net = RNNModel(layer, V)
    state = net.begin_state(B, "cpu")
    states = state if isinstance(state, tuple) else (state,)
    assert len(states) == (2 if isinstance(layer, nn.LSTM) else 1)
    assert all(s.shape == state_shape for s in states)
    logits, new_state = net(torch.randint(V, (B, T)), state)
    assert logits.shape == (T * B, V)
    assert type(new_state) is type(state)
    assert net.linear.in_features == H * (2 if layer.bidirectional else 1)


def test_concise_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="input_size=10 must equal vocab_size=28"):
        RNNModel(nn.RNN(10, H), V)
    with pytest.raises(TypeError, match="got Linear"):
        RNNModel(nn.Linear(V, H), V)
    with pytest.raises(ValueError, match="batch_first=False"):
        RNNModel(nn.RNN(V, H, batch_first=True), V)


def test_layer_config_round_trip():
    layer = nn.LSTM(V, H, num_layers=2, bidirectional=True, dropout=0.1)
    rebuilt = rnn_layer_from_config(rnn_layer_config(layer))
    assert repr(rebuilt) == repr(layer)


@pytest.mark.parametrize("kwargs, message", [
    (dict(vocab_size=0, num_hiddens=H), "vocab_size must be a positive integer, got 0"),
    (dict(vocab_size=V, num_hiddens=0), "num_hiddens must be a positive integer, got 0"),
    (dict(vocab_size=V, num_hiddens=-4), "num_hiddens must be a positive integer, got -4"),
    (dict(vocab_size=V, num_hiddens=H, nonlinearity="sigmoid"), "nonlinearity must be 'tanh' or 'relu'"),
])
def test_scratch_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RNNScratch(**kwargs)


def test_detach_state_cuts_the_graph_for_tensors_and_tuples():
    x = torch.ones(2, requires_grad=True)
    assert not detach_state(x * 2).requires_grad
    assert not any(s.requires_grad for s in detach_state((x * 2, x * 3)))


def test_only_a_one_layer_one_direction_rnn_has_the_scratch_layout():
    net = RNNModel(nn.RNN(5, 3), 5)
    assert net.scratch_layout and set(net.scratch_weights()) == {"W_xh", "W_hh", "b_h", "W_hq", "b_q"}
    for layer in (nn.GRU(5, 3), nn.RNN(5, 3, num_layers=2), nn.RNN(5, 3, bidirectional=True)):
        with pytest.raises(TypeError, match="RNNScratch's layout"):
            RNNModel(layer, 5).scratch_weights()


@pytest.mark.parametrize("make", [
    lambda: RNNScratch(V, H),
    lambda: RNNScratch(V, H, fast=True),
    lambda: RNNModel(nn.RNN(V, H), V),
    lambda: RNNModel(nn.RNN(V, H), V, fast=True),
    lambda: RNNModel(nn.LSTM(V, H), V),
])
@pytest.mark.parametrize("bad_id", [V, -1])
def test_token_ids_outside_the_vocabulary_are_named(make, bad_id):
    net = make()
    X = torch.arange(B * T).reshape(B, T)  # ids 0..14, with one of them replaced by bad_id
    X[1, 2] = bad_id
    low, high = min(bad_id, 0), max(bad_id, B * T - 1)
    message = rf"inputs must be token ids in 0..{V - 1} \(vocab_size={V}\), got ids from {low} to {high}: "
    with pytest.raises(ValueError, match=message):
        net(X, net.begin_state(B))
