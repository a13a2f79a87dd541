"""Inside the hidden state: run a model over a text, keep every hidden unit's value after every
character, and search for units that track something a reader can name.

The search is correlation: for each readable feature of the text (is this a space? how far into
the word, or the line, are we? are we inside a quotation?), the unit whose activation has the
largest |Pearson r| with it. A unit can correlate with a feature without "meaning" it, and a
feature can be spread over many units: chapter 8 compares with the same search over an untrained
network, and asks all units at once with linear probes written out in the chapter.
"""

from typing import NamedTuple

import torch
from torch import nn

from .models import evaluating
from .sampling import encode_prefix
from .vocab import Vocab

VOWELS = set("aeiouAEIOU")
QUOTES = set("'\"")


def hidden_states(net: nn.Module, text: str, vocab: Vocab) -> torch.Tensor:
    """(len(text), hidden) float32 on the CPU: row t is the (last layer's) state after reading text[t]."""
    ids = encode_prefix(text, vocab)
    device = next(net.parameters()).device
    rows = []
    with evaluating(net):
        state = net.begin_state(1, device)
        for token in ids:
            _, state = net(torch.tensor([[token]], device=device), state)
            H = state[0] if isinstance(state, tuple) else state  # LSTM: (H, C)
            rows.append(H.reshape(-1, H.shape[-1])[-1])
    return torch.stack(rows).float().cpu()


def lstm_states(net: nn.Module, text: str, vocab: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, C) for a model whose `net.rnn` is a one-layer, one-direction `nn.LSTM`: the hidden
    states and the cell states (memory cells) after each character, each (len(text), hidden)
    float32 on the CPU. H is `hidden_states(net, text, vocab)`.

    One call of the LSTM over the whole text gives every h_t. The gates at step t follow from x_t
    and h_{t-1} (PyTorch's order: input, forget, candidate, output), and then
    c_t = f_t * c_{t-1} + i_t * candidate_t, a cheap loop (stepping the LSTM itself is slower).
    """
    rnn = getattr(net, "rnn", None)
    if not isinstance(rnn, nn.LSTM) or rnn.num_layers != 1 or rnn.bidirectional or rnn.proj_size:
        raise ValueError(f"net must have a one-layer, one-direction nn.LSTM as net.rnn, got {type(net).__name__}"
                         + (f" with {rnn}" if isinstance(rnn, nn.Module) else ""))
    ids = torch.tensor(encode_prefix(text, vocab), device=rnn.weight_ih_l0.device)
    with evaluating(net):
        X = nn.functional.one_hot(ids, rnn.input_size).to(rnn.weight_ih_l0.dtype)
        H = rnn(X[:, None])[0][:, 0]  # (steps, batch 1, hidden) -> (steps, hidden)
        H_before = torch.cat([torch.zeros_like(H[:1]), H[:-1]])
        gates = X @ rnn.weight_ih_l0.T + H_before @ rnn.weight_hh_l0.T
        if rnn.bias:
            gates = gates + rnn.bias_ih_l0 + rnn.bias_hh_l0
        i, f, candidate, _ = gates.chunk(4, dim=1)
        keep, write = f.sigmoid(), i.sigmoid() * candidate.tanh()
        c, rows = torch.zeros_like(H[0]), []
        for t in range(len(ids)):
            c = keep[t] * c + write[t]
            rows.append(c)
    return H.float().cpu(), torch.stack(rows).float().cpu()


def position_in_word(text: str) -> torch.Tensor:
    """1, 2, 3, ... along each run of letters; 0 elsewhere."""
    values, count = [], 0
    for char in text:
        count = count + 1 if char.isalpha() else 0
        values.append(count)
    return torch.tensor(values, dtype=torch.float32)


def position_in_line(text: str) -> torch.Tensor:
    """Characters since the last newline (0 at the newline itself)."""
    values, count = [], 0
    for char in text:
        count = 0 if char == "\n" else count + 1
        values.append(count)
    return torch.tensor(values, dtype=torch.float32)


def inside_quotes(text: str) -> torch.Tensor:
    """1 from an opening quotation mark (' or ") through its closing one, else 0.

    A quote opens after a space, a newline, a dash, `(`, `_` or at the start of the text. It
    closes at a mark followed by anything but a letter, unless an "s" comes before the mark: in
    The Time Machine, s' is always a plural possessive ("the Morlocks' food"). So the apostrophes
    of "don't", "men's" and "Morlocks'" neither open nor close.
    """
    values, inside = [], False
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if char in QUOTES and not inside and (before.isspace() or before in "-(_"):
            inside = True
            values.append(1)
            continue
        values.append(int(inside))
        if char in QUOTES and inside and not after.isalpha() and before != "s":
            inside = False
    return torch.tensor(values, dtype=torch.float32)


def text_features(text: str) -> dict[str, torch.Tensor]:
    """Readable features of each character of `text`, each a float tensor of len(text)."""
    return {
        "space": torch.tensor([char == " " for char in text], dtype=torch.float32),
        "vowel": torch.tensor([char in VOWELS for char in text], dtype=torch.float32),
        "position in word": position_in_word(text),
        "position in line": position_in_line(text),
        "inside quotes": inside_quotes(text),
    }


def correlations(states: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
    """Pearson r of each unit (column of `states`) with `feature`; 0 where either is constant."""
    X = states.double() - states.double().mean(0)
    y = feature.double() - feature.double().mean()
    denominator = X.norm(dim=0) * y.norm()
    r = (X.T @ y) / denominator
    return torch.where(denominator > 0, r, torch.zeros_like(r))


class UnitMatch(NamedTuple):
    feature: str
    unit: int
    r: float


def find_units(states: torch.Tensor, features: dict[str, torch.Tensor]) -> list[UnitMatch]:
    """For each feature, the unit with the largest |r|, and that r (its sign says which way)."""
    if states.ndim != 2:
        raise ValueError(f"states must be (characters, units), got shape {tuple(states.shape)}")
    matches = []
    for name, feature in features.items():
        if feature.shape != states.shape[:1]:
            raise ValueError(f"feature {name!r} has {feature.numel()} values for {states.shape[0]} characters")
        r = correlations(states, feature)
        unit = int(r.abs().argmax())
        matches.append(UnitMatch(name, unit, float(r[unit])))
    return matches
