"""Argument checks shared by every module, so that bad input fails early and says why.

Bools are refused wherever a number is wanted: Python counts True as 1, but `lr=True` or
`num_epochs=True` is always a slip, never a choice. Strings are refused too, even "2".
"""

import math
from numbers import Real

import torch


def check_positive_int(name: str, value: object) -> int:
    """Return `value` if it is an integer > 0, else raise a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_nonnegative_int(name: str, value: object) -> int:
    """Return `value` if it is an integer >= 0, else raise a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return value


def check_choice(name: str, value: object, choices: tuple) -> object:
    """Return `value` if it is one of `choices`, else raise a ValueError that lists them."""
    if value not in choices:
        raise ValueError(f"{name} must be {' or '.join(map(repr, choices))}, got {value!r}")
    return value


def check_positive_float(name: str, value: object, *, allow_inf: bool = False) -> float:
    """Return `value` as a float if it is a number > 0, finite unless `allow_inf` (NaN never),
    else raise a ValueError naming `name`."""
    is_number = isinstance(value, Real) and not isinstance(value, bool)
    if not (is_number and value > 0 and (allow_inf or value != math.inf)):  # NaN > 0 is False
        wanted = "a positive number or math.inf" if allow_inf else "a positive, finite number"
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    return float(value)


def check_token_ids(name: str, ids: torch.Tensor, vocab_size: int) -> None:
    """Raise a ValueError naming `name` unless every id in `ids` lies in 0..vocab_size-1.

    One min/max reduction on the tensor's own device and one read of the two results: cheap
    enough to run on every forward pass, on a GPU too.
    """
    low, high = torch.stack(ids.aminmax()).tolist()
    if low < 0 or high >= vocab_size:
        raise ValueError(
            f"{name} must be token ids in 0..{vocab_size - 1} (vocab_size={vocab_size}), got ids from "
            f"{low} to {high}: encode the text with the vocabulary the model was built for"
        )
