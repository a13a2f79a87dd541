"""Gated cells written out: a GRU and an LSTM step in the book's notation (rows, x W), computed
from the weights of PyTorch's `nn.GRU` / `nn.LSTM`, and the norm of dh_T/dh_t through time.

PyTorch stores a layer's blocks stacked along the first axis of `weight_ih_l0` / `weight_hh_l0`,
in the order (r, z, n) for the GRU and (i, f, g, o) for the LSTM, each as (out, in): so x W_x.
is `x @ weight[block].T`. The GRU applies its reset gate after the state's product and bias:
n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn)).
"""

import torch
from torch import nn


def _blocks(layer: nn.RNNBase, count: int) -> tuple[list, list, list, list]:
    """A one-layer, one-direction layer's weights and biases, split into its `count` blocks."""
    if layer.num_layers != 1 or layer.bidirectional:
        raise ValueError(f"layer must have one layer and one direction, got {layer}")
    return [torch.chunk(tensor, count) for tensor in
            (layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)]


def gru_step(x: torch.Tensor, h: torch.Tensor, layer: nn.GRU) -> torch.Tensor:
    """One GRU step: the state after reading x (batch, input), from state h (batch, hidden)."""
    (W_xr, W_xz, W_xn), (W_hr, W_hz, W_hn), (b_xr, b_xz, b_xn), (b_hr, b_hz, b_hn) = _blocks(layer, 3)
    r = torch.sigmoid(x @ W_xr.T + b_xr + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_xz.T + b_xz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h @ W_hn.T + b_hn))
    return (1 - z) * n + z * h


def lstm_step(x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor],
              layer: nn.LSTM) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step: (h, c) after reading x (batch, input), from (h, c), each (batch, hidden)."""
    h, c = state
    W_x, W_h, b_x, b_h = _blocks(layer, 4)
    i, f, g, o = (x @ W_x[k].T + b_x[k] + h @ W_h[k].T + b_h[k] for k in range(4))
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def state_gradient_norms(layer: nn.RNNBase, inputs: torch.Tensor, through: str = "h",
                         start: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None = None) -> list[float]:
    """How far a change in the state carries forward, for a one-layer, one-direction nn.RNN, nn.GRU
    or nn.LSTM reading `inputs` (steps, batch, input) from `start` (the layer's state, (h, c) for
    the LSTM, each (1, batch, hidden); default: zeros).

    Entry j is the spectral norm of dh_T/dh_{T-j}, the last state's Jacobian with respect to the
    state j steps earlier, averaged over the batch's rows; entry 0 is 1 (the identity). For the
    LSTM, through="c" gives dc_T/dc_{T-j} instead, the memory cell's path. Each partial holds the
    other half of the LSTM's state at T - j fixed."""
    if type(layer) not in (nn.RNN, nn.GRU, nn.LSTM) or layer.num_layers != 1 or layer.bidirectional:
        raise ValueError(f"layer must be a one-layer, one-direction nn.RNN, nn.GRU or nn.LSTM, got {layer}")
    lstm = isinstance(layer, nn.LSTM)
    if through not in ("h", "c") or (through == "c" and not lstm):
        raise ValueError(f"through must be 'h', or 'c' for an nn.LSTM; got {through!r} for {type(layer).__name__}")
    steps, batch = inputs.shape[:2]
    if start is None:
        zero = inputs.new_zeros(1, batch, layer.hidden_size)
        start = (zero, zero) if lstm else zero
    if lstm:
        state = tuple(s.detach().clone().requires_grad_() for s in start)
    else:
        state = start.detach().clone().requires_grad_()
    half = 0 if through == "h" else 1  # an LSTM's state is (h, c)
    pick = (lambda s: s[half]) if lstm else (lambda s: s)
    states = [pick(state)]  # the followed state at 0 .. T, each kept in the graph
    for x in inputs:
        _, state = layer(x[None], state)
        states.append(pick(state))
    # Row `unit` of every Jacobian at once, for every row of the batch: one backward pass per unit.
    last = states[-1][0]
    jacobians = inputs.new_zeros(steps, batch, layer.hidden_size, layer.hidden_size)
    for unit in range(layer.hidden_size):
        rows = torch.autograd.grad(last[:, unit].sum(), states[:-1], retain_graph=True)
        for t, row in enumerate(rows):
            jacobians[t, :, unit] = row[0]
    norms = [1.0]
    for j in range(1, steps + 1):
        norms.append(torch.linalg.matrix_norm(jacobians[steps - j], ord=2).mean().item())
    return norms
