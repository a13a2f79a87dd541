"""Save a trained model with its vocabulary and hyperparameters, and load it back safely.

Files are written atomically (a temporary file in the same folder, then a rename), so a crash
never leaves half a checkpoint under the real name. Loading uses `torch.load(weights_only=True)`,
which reads tensors and plain containers only and never runs code from the file.
"""

import os
import re
import tempfile
from pathlib import Path

import torch
from torch import nn

from .models import RNNModel, RNNScratch, rnn_layer_config, rnn_layer_from_config
from .vocab import Vocab

FORMAT = "charrnn-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that is corrupt, truncated, not a charrnn checkpoint, or does not fit."""


def model_config(net: nn.Module) -> dict:
    """What it takes to rebuild `net` before its weights are loaded."""
    if isinstance(net, RNNScratch):
        return {
            "kind": "scratch",
            "vocab_size": net.vocab_size,
            "num_hiddens": net.num_hiddens,
            "nonlinearity": net.nonlinearity,
            "fast": net.fast,
        }
    if isinstance(net, RNNModel):
        return {"kind": "concise", "vocab_size": net.vocab_size, "rnn": rnn_layer_config(net.rnn), "fast": net.fast}
    raise TypeError(f"net must be an RNNScratch or an RNNModel, got {type(net).__name__}")


def build_model(config: dict) -> nn.Module:
    """The inverse of `model_config`: an untrained model of the same shape."""
    if config["kind"] == "scratch":
        return RNNScratch(
            config["vocab_size"], config["num_hiddens"], nonlinearity=config["nonlinearity"], fast=config["fast"]
        )
    if config["kind"] == "concise":
        return RNNModel(rnn_layer_from_config(config["rnn"]), config["vocab_size"], fast=config["fast"])
    raise ValueError(f"unknown model kind {config['kind']!r}")


# What `torch.load(weights_only=True)` reads back, inside lists, tuples and dicts. Exact types:
# a subclass such as numpy.float64 (a float) or an IntEnum (an int) is refused at load time.
PLAIN_TYPES = (type(None), bool, int, float, str, torch.Tensor, nn.Parameter)


def _check_plain(name: str, value: object) -> None:
    """Refuse, when saving, an extra value that `load_checkpoint` would refuse to load."""
    if type(value) in (list, tuple):
        for i, item in enumerate(value):
            _check_plain(f"{name}[{i}]", item)
    elif type(value) is dict:
        for key, item in value.items():
            _check_plain(f"a key of {name}", key)
            _check_plain(f"{name}[{key!r}]", item)
    elif type(value) not in PLAIN_TYPES:
        raise TypeError(
            f"{name} is a {type(value).__module__}.{type(value).__qualname__} ({value!r}), which "
            "load_checkpoint would refuse to load: extras must be None, bool, int, float, str, tensors, "
            "or lists, tuples and dicts of them (convert it first, e.g. float(x) or str(path))"
        )


def save_checkpoint(path: str | os.PathLike, net: nn.Module, vocab: Vocab, **extra) -> Path:
    """Write `net`'s weights, its config, `vocab` and any `extra` plain values to `path`.

    Extras must be None, bool, int, float, str, tensors, or lists, tuples and dicts of them: what
    `load_checkpoint` reads back safely. Anything else raises a TypeError before a file is written.
    """
    for name, value in extra.items():
        _check_plain(f"extra {name!r}", value)
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model_config(net),
        "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "vocab": {"idx_to_token": list(vocab.idx_to_token), "token_freqs": [list(tf) for tf in vocab.token_freqs]},
        "extra": extra,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def _vocab_from(saved: dict) -> Vocab:
    vocab = Vocab()
    vocab.idx_to_token = list(saved["idx_to_token"])
    vocab.token_to_idx = {token: idx for idx, token in enumerate(vocab.idx_to_token)}
    vocab.token_freqs = [(token, int(freq)) for token, freq in saved["token_freqs"]]
    return vocab


def load_checkpoint(path: str | os.PathLike, device: torch.device | str = "cpu") -> tuple[nn.Module, Vocab, dict]:
    """The model (on `device`, in eval mode), its vocab and the `extra` values saved with it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for a damaged archive
        # The weights-only unpickler names each global (class or function) it refuses to load.
        refused = re.search(r"GLOBAL (\S+)", str(error))
        if refused:
            raise CheckpointError(
                f"{path} holds an object that a checkpoint may not hold ({refused[1]}): it was refused "
                "and nothing from the file was run. Load only checkpoints written by save_checkpoint, "
                "whose extras are plain values"
            ) from error
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?): {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a charrnn checkpoint")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint version {payload.get('version')!r}, expected {VERSION}")
    try:
        net = build_model(payload["config"])
        vocab = _vocab_from(payload["vocab"])
        net.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} does not fit its own model config: {error}") from error
    if len(vocab) != net.vocab_size:
        raise CheckpointError(f"{path}: vocabulary of {len(vocab)} tokens but a model for {net.vocab_size}")
    net.vocab = vocab  # so that scoring it on ids from another vocabulary is refused
    return net.to(device).eval(), vocab, payload.get("extra", {})
