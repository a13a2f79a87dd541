from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from charrnn import (
    CheckpointError,
    RNNModel,
    RNNScratch,
    Vocab,
    default_device,
    load_checkpoint,
    predict,
    save_checkpoint,
)

VOCAB = Vocab(list("hello world"))


@pytest.mark.parametrize("make", [
    lambda: RNNScratch(len(VOCAB), 12, omega=0.5, nonlinearity="relu"),
    lambda: RNNModel(nn.GRU(len(VOCAB), 12, num_layers=2, bidirectional=True), len(VOCAB)),
])
def test_round_trip_keeps_weights_vocab_and_extras(tmp_path, make):
    net = make()
    path = save_checkpoint(tmp_path / "sub" / "model.pt", net, VOCAB, lr=1.0, epochs=3)
    loaded, vocab, extra = load_checkpoint(path)
    assert type(loaded) is type(net)
    assert vocab.idx_to_token == VOCAB.idx_to_token and vocab.token_freqs == VOCAB.token_freqs
    assert extra == {"lr": 1.0, "epochs": 3}
    torch.testing.assert_close(loaded.state_dict(), net.state_dict(), rtol=0, atol=0)  # same names, same tensors
    assert predict("hello", 8, loaded, vocab) == predict("hello", 8, net, VOCAB)
    assert not any(p.name.endswith(".tmp") for p in path.parent.iterdir())


def test_default_device_is_usable():
    assert torch.zeros(1, device=default_device()).device.type == default_device().type


def test_truncated_file(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", RNNScratch(len(VOCAB), 4), VOCAB)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "m.pt"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt")


def test_a_pickle_that_runs_code_is_refused_and_does_not_run(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    torch.save({"format": "charrnn-checkpoint", "payload": Evil()}, path)
    message = r"holds an object that a checkpoint may not hold \(io.open\).*nothing from the file was run"
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)
    assert not marker.exists()


def test_other_torch_files_are_not_checkpoints(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"weights": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match="is not a charrnn checkpoint"):
        load_checkpoint(path)


def test_mismatched_weights(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", RNNScratch(len(VOCAB), 4), VOCAB)
    payload = torch.load(path, weights_only=True)
    payload["config"]["num_hiddens"] = 5
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="does not fit its own model config"):
        load_checkpoint(path)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "m.pt", RNNScratch(len(VOCAB), 4), VOCAB)
    before = path.read_bytes()

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, RNNScratch(len(VOCAB), 4), VOCAB)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


def test_extras_that_load_checkpoint_accepts_round_trip(tmp_path):
    extra = dict(none=None, flag=True, n=3, lr=0.5, name="run", ids=[1, (2, 3)],
                 info={"a": [1.0], 7: None}, weights=torch.ones(2))
    path = save_checkpoint(tmp_path / "m.pt", RNNScratch(len(VOCAB), 4), VOCAB, **extra)
    _, _, loaded = load_checkpoint(path)
    assert loaded.keys() == extra.keys() and torch.equal(loaded.pop("weights"), extra.pop("weights"))
    assert loaded == extra


@pytest.mark.parametrize("value, where", [
    (np.float64(1.0), "extra 'lr'"),
    (Path("data.txt"), "extra 'lr'"),
    ([1, {2}], r"extra 'lr'\[1\]"),
    ({Path("a"): 1}, "a key of extra 'lr'"),
    ({"a": slice(1)}, r"extra 'lr'\['a'\]"),
])
def test_extras_that_load_checkpoint_would_refuse_are_refused_when_saving(tmp_path, value, where):
    with pytest.raises(TypeError, match=rf"{where}.*load_checkpoint"):
        save_checkpoint(tmp_path / "m.pt", RNNScratch(len(VOCAB), 4), VOCAB, lr=value)
    assert not list(tmp_path.iterdir())
