"""Inside the hidden state: run a model over a text, keep every hidden unit's value after every
character, and search for units that track something a reader can name.

The search is correlation: for each readable feature of the text (is this a space? how far into
the word, or the line, are we? are we inside a quotation?), the unit whose activation has the
largest |Pearson r| with it. A unit can correlate with a feature without "meaning" it, and a
feature can be spread over many units: chapter 7 compares with the same search over an untrained
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
