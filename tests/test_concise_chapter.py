"""Chapter 5 writes out d2l's RNNModel; it must compute what charrnn.RNNModel computes."""

from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import charrnn

CHAPTER = Path(__file__).resolve().parent.parent / "chapters" / "rnn_concise.ipynb"
VOCAB_SIZE, BATCH, STEPS = 28, 4, 7


@pytest.fixture(scope="module")
def chapter_model():
    """The RNNModel class as the chapter's cell defines it."""
    cells = [
        cell.source
        for cell in nbformat.read(CHAPTER, as_version=4).cells
        if cell.cell_type == "code" and cell.source.startswith("class RNNModel(nn.Module):")
    ]
    assert len(cells) == 1, "the chapter defines RNNModel in one cell of its own"
    namespace = {"torch": torch, "nn": nn, "F": F}
    exec(cells[0], namespace)
    return namespace["RNNModel"]


LAYERS = {
    "rnn": lambda: nn.RNN(VOCAB_SIZE, 16),
    "rnn-relu": lambda: nn.RNN(VOCAB_SIZE, 16, nonlinearity="relu"),
    "gru": lambda: nn.GRU(VOCAB_SIZE, 16),
    "lstm": lambda: nn.LSTM(VOCAB_SIZE, 16),
    "two-layer-rnn": lambda: nn.RNN(VOCAB_SIZE, 16, num_layers=2),
    "bidirectional-gru": lambda: nn.GRU(VOCAB_SIZE, 16, bidirectional=True),
    "bidirectional-lstm": lambda: nn.LSTM(VOCAB_SIZE, 16, num_layers=2, bidirectional=True),
}


@pytest.mark.parametrize("make_layer", LAYERS.values(), ids=LAYERS.keys())
def test_chapter_model_equals_the_package_model(chapter_model, make_layer):
    torch.manual_seed(0)
    package = charrnn.RNNModel(make_layer(), VOCAB_SIZE)
    ours = chapter_model(make_layer(), VOCAB_SIZE)
    ours.load_state_dict(package.state_dict())  # strict: the same parameter names and shapes

    start_ours, start_package = ours.begin_state(BATCH), package.begin_state(BATCH)
    torch.testing.assert_close(start_ours, start_package, rtol=0, atol=0)
    assert type(start_ours) is type(start_package)

    inputs = torch.randint(VOCAB_SIZE, (BATCH, STEPS))
    # A nonzero state too, so that the state is really fed through, not only its zeros.
    state = (
        tuple(torch.randn_like(s) for s in start_package)
        if isinstance(start_package, tuple)
        else torch.randn_like(start_package)
    )
    torch.testing.assert_close(ours(inputs, state), package(inputs, state), rtol=0, atol=0)


def test_chapter_model_trains_like_the_package_model(chapter_model):
    """One SGD step through charrnn.train_epoch leaves both models with the same weights."""
    loader = charrnn.SeqDataLoader(torch.randint(VOCAB_SIZE, (500,)), BATCH, STEPS, seed=0)
    torch.manual_seed(0)
    package = charrnn.RNNModel(nn.LSTM(VOCAB_SIZE, 16), VOCAB_SIZE)
    ours = chapter_model(nn.LSTM(VOCAB_SIZE, 16), VOCAB_SIZE)
    ours.load_state_dict(package.state_dict())
    for net in (package, ours):
        charrnn.train_epoch(net, loader, torch.optim.SGD(net.parameters(), lr=1.0), "cpu")
        loader.generator.manual_seed(0)  # the same batches for the second model
    torch.testing.assert_close(ours.state_dict(), package.state_dict(), rtol=0, atol=0)
