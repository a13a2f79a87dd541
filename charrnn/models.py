"""Two recurrent language models over token ids: one written out, one built on `nn.RNN`.

Both take inputs of shape (batch, steps) and a state, and return logits of shape
(steps * batch, vocab) -- time-major, so row t * batch + b is step t of sequence b -- and the
new state. `begin_state(batch_size, device)` gives the zero state to start from.
"""

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_positive_int, check_token_ids
from .fast import rnn_forward

State = torch.Tensor | tuple[torch.Tensor, ...]


@contextlib.contextmanager
def evaluating(net: nn.Module) -> Iterator[nn.Module]:
    """`net` in evaluation mode with gradients off; its own mode back afterwards, even after an
    error (scoring or sampling in the middle of training must not leave it in the wrong mode)."""
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            yield net
    finally:
        net.train(was_training)


class RNNScratch(nn.Module):
    """H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h),  O_t = H_t W_hq + b_q,  with one-hot X_t.

    `fast=False` runs the loop below, exactly as chapter 4 writes it; `fast=True` computes the
    same function through `charrnn.fast` (a row lookup, one output matmul, hand-written
    backpropagation through time).
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        omega: float = 0.01,
        nonlinearity: str = "tanh",
        generator: torch.Generator | None = None,
        fast: bool = False,
    ) -> None:
        super().__init__()
        self.fast = fast
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.omega = omega  # the weights are drawn from N(0, omega^2)

        def normal(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.randn(*shape, generator=generator) * omega)

        self.W_xh = normal(vocab_size, num_hiddens)
        self.W_hh = normal(num_hiddens, num_hiddens)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))
        self.W_hq = normal(num_hiddens, vocab_size)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch_size: int, device: torch.device | str | None = None) -> torch.Tensor:
        return torch.zeros(batch_size, self.num_hiddens, device=device, dtype=self.W_hh.dtype)

    def forward(self, inputs: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_token_ids("inputs", inputs, self.vocab_size)
        if self.fast:
            return rnn_forward(
                inputs, state, self.W_xh, self.W_hh, self.b_h, self.W_hq, self.b_q, self.nonlinearity == "relu"
            )
        phi = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(self.W_xh.dtype)  # (steps, batch, vocab)
        H = state
        outputs = []
        for X_t in X:
            H = phi(X_t @ self.W_xh + H @ self.W_hh + self.b_h)
            outputs.append(H @ self.W_hq + self.b_q)
        return torch.cat(outputs, dim=0), H


CELLS = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


class RNNModel(nn.Module):
    """A recurrent layer (`nn.RNN`, `nn.GRU` or `nn.LSTM`, any depth, either direction) plus a
    linear output layer, fed one-hot inputs.

    With `fast=True` and a one-layer, one-direction `nn.RNN`, the layer's own weights run
    through `charrnn.fast` instead (same function; see chapter 3 for the weight layout). Other
    layers always take the `nn` path.
    """

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int, fast: bool = False) -> None:
        super().__init__()
        if type(rnn_layer) not in CELLS.values():
            raise TypeError(f"rnn_layer must be nn.RNN, nn.GRU or nn.LSTM, got {type(rnn_layer).__name__}")
        if rnn_layer.batch_first:
            raise ValueError("rnn_layer must be time-major (batch_first=False)")
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        if rnn_layer.input_size != vocab_size:
            raise ValueError(
                f"rnn_layer.input_size={rnn_layer.input_size} must equal vocab_size={vocab_size} "
                "(inputs are one-hot)"
            )
        self.rnn = rnn_layer
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)
        # A one-layer, one-direction vanilla RNN is RNNScratch's function in another layout.
        self.scratch_layout = type(rnn_layer) is nn.RNN and rnn_layer.num_layers == 1 and not rnn_layer.bidirectional
        self.fast = fast and self.scratch_layout

    def begin_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        zeros = torch.zeros(shape, device=device, dtype=self.linear.weight.dtype)
        return (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTM) else zeros

    def forward(self, inputs: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        check_token_ids("inputs", inputs, self.vocab_size)
        if self.fast:
            logits, H = rnn_forward(inputs, state[0], **self.scratch_weights(), relu=self.rnn.nonlinearity == "relu")
            return logits, H.unsqueeze(0)
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(self.linear.weight.dtype)
        Y, state = self.rnn(X, state)  # Y: (steps, batch, directions * hiddens)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def scratch_weights(self) -> dict[str, torch.Tensor]:
        """The weights in `RNNScratch`'s layout (W_xh, W_hh, b_h, W_hq, b_q): transposed, the two
        biases summed. Only for a one-layer, one-direction `nn.RNN` (`self.scratch_layout`)."""
        if not self.scratch_layout:
            raise TypeError(f"only a one-layer, one-direction nn.RNN has RNNScratch's layout, not this {self.rnn}")
        rnn = self.rnn
        b_h = rnn.bias_ih_l0 + rnn.bias_hh_l0 if rnn.bias else torch.zeros_like(rnn.weight_hh_l0[0])
        return {"W_xh": rnn.weight_ih_l0.T, "W_hh": rnn.weight_hh_l0.T, "b_h": b_h,
                "W_hq": self.linear.weight.T, "b_q": self.linear.bias}


def rnn_layer_config(rnn_layer: nn.RNNBase) -> dict:
    """The constructor arguments that rebuild `rnn_layer` (used by checkpoints)."""
    config = {
        "cell": type(rnn_layer).__name__,
        "input_size": rnn_layer.input_size,
        "hidden_size": rnn_layer.hidden_size,
        "num_layers": rnn_layer.num_layers,
        "bias": rnn_layer.bias,
        "dropout": float(rnn_layer.dropout),
        "bidirectional": rnn_layer.bidirectional,
    }
    if isinstance(rnn_layer, nn.RNN):
        config["nonlinearity"] = rnn_layer.nonlinearity
    return config


def rnn_layer_from_config(config: dict) -> nn.RNNBase:
    """The inverse of `rnn_layer_config`."""
    config = dict(config)
    cell = config.pop("cell")
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell](**config)


def detach_state(state: State) -> State:
    """Cut the graph behind a state (a tensor, or an LSTM's tuple) so backprop stops there."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
