"""A trained vanilla RNN as data for the page: its vocabulary, sizes and weights, and back.

A one-layer tanh or ReLU RNN exports as the five arrays of `RNNScratch`; an `RNNModel` wrapping
such an `nn.RNN` is converted to the same layout (chapter 3 shows the two are one function).
`charrnn/js/model.js` reads what `export_weights` writes.
"""

import base64

import torch
from torch import nn

from .models import RNNModel, RNNScratch, evaluating
from .sampling import encode_prefix
from .vocab import Vocab

PARAMETERS = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")


def _scratch_parameters(net: nn.Module) -> tuple[dict[str, torch.Tensor], str]:
    if isinstance(net, RNNScratch):
        return {name: getattr(net, name) for name in PARAMETERS}, net.nonlinearity
    if isinstance(net, RNNModel) and net.scratch_layout:
        return net.scratch_weights(), net.rnn.nonlinearity
    raise TypeError(
        "only a one-layer, one-direction vanilla RNN can be exported (RNNScratch, or RNNModel "
        f"wrapping such an nn.RNN), got {type(net).__name__}"
    )


def export_weights(net: nn.Module, vocab: Vocab) -> dict:
    """The model as JSON-ready data: the vocabulary, the sizes and each weight as base64 float32,
    row-major, in `RNNScratch`'s layout."""
    weights, nonlinearity = _scratch_parameters(net)
    exported = {"tokens": vocab.idx_to_token, "num_hiddens": weights["W_hh"].shape[0], "nonlinearity": nonlinearity}
    for name, tensor in weights.items():
        array = tensor.detach().to("cpu", torch.float32).contiguous().numpy()
        exported[name] = base64.b64encode(array.astype("<f4").tobytes()).decode("ascii")
    return exported


def load_exported(exported: dict) -> tuple[RNNScratch, Vocab]:
    """The `RNNScratch` and vocabulary that `export_weights` wrote out, bit for bit."""
    tokens = exported["tokens"]
    if tokens[:1] != ["<unk>"]:
        raise ValueError(f"exported tokens must start with '<unk>', got {tokens[:3]!r}")
    vocab = Vocab(reserved_tokens=tokens[1:])  # same indices, no counting
    net = RNNScratch(len(tokens), exported["num_hiddens"], nonlinearity=exported["nonlinearity"])
    with torch.no_grad():
        for name in PARAMETERS:
            parameter = getattr(net, name)
            data = torch.frombuffer(bytearray(base64.b64decode(exported[name])), dtype=torch.float32)
            parameter.copy_(data.reshape(parameter.shape))
    return net, vocab


def next_char_probabilities(prefix: str, net: nn.Module, vocab: Vocab, temperature: float = 1.0) -> torch.Tensor:
    """p(next character | prefix) as `sample` draws it (float64, `<unk>` at zero), on the CPU."""
    ids = encode_prefix(prefix, vocab)
    device = next(net.parameters()).device
    with evaluating(net):  # as `sample` runs it
        logits, _ = net(torch.tensor([ids], device=device), net.begin_state(1, device))
    logits = logits[-1].double().cpu() / temperature
    logits[vocab.unk] = float("-inf")
    return torch.softmax(logits, dim=0)
