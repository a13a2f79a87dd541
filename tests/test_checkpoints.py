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
    lambda: RNNScratch(len(VOCAB), 12, sigma=0.5, nonlinearity="relu"),
    lambda: RNNModel(nn.GRU(len(VOCAB), 12, num_layers=2, bidirectional=True), len(VOCAB)),
])
def test_round_trip_keeps_weights_vocab_and_extras(tmp_path, make):
    net = make()
    path = save_checkpoint(tmp_path / "sub" / "model.pt", net, VOCAB, lr=1.0, epochs=3)
    loaded, vocab, extra = load_checkpoint(path)
    assert type(loaded) is type(net)
    assert vocab.idx_to_token == VOCAB.idx_to_token and vocab.token_freqs == VOCAB.token_freqs
    assert extra == {"lr": 1.0, "epochs": 3}
    for (name, a), (_, b) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
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
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
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
