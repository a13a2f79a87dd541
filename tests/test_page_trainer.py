"""The JavaScript trainer (charrnn/js/model.js, training.js) against PyTorch, in Node.

The page trains `RNNScratch`'s model with a backward pass written by hand; these tests hold its
loss, its five gradients and whole training trajectories to PyTorch's autograd, both in float64.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import charrnn
from charrnn import export, live, pages
import nodejs  # scripts/nodejs.py, on the path from conftest.py

NODE = nodejs.find("node")
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason=nodejs.MISSING)
CHECK = Path(__file__).with_name("trainer_check.js")
CONTROLLER_CHECK = Path(__file__).with_name("train_controller_check.js")


def problem(V=11, H=13, B=5, T=7, num_batches=1, seed=0, omega=0.3):
    """Initial weights (float64, large enough that tanh is far from linear) and random batches."""
    generator = torch.Generator().manual_seed(seed)
    net = charrnn.RNNScratch(V, H, omega=omega, generator=generator).double()
    with torch.no_grad():
        net.b_h.normal_(generator=generator)
        net.b_q.normal_(generator=generator)
    batches = [torch.randint(V, (B, T + 1), generator=generator) for _ in range(num_batches)]
    return net, batches


def as_json(net, batches, **settings):
    B, T = batches[0].shape[0], batches[0].shape[1] - 1
    return {
        "V": net.vocab_size, "H": net.num_hiddens, "B": B, "T": T,
        "weights": {name: getattr(net, name).detach().reshape(-1).tolist() for name in export.PARAMETERS},
        # time-major, as the trainer reads them: entry t * B + b is step t of sequence b
        "batches": [{"inputs": ids[:, :-1].T.reshape(-1).tolist(), "targets": ids[:, 1:].T.reshape(-1).tolist()}
                    for ids in batches],
        "optimizer": "sgd", "lr": 1.0, "theta": 1.0, **settings,
    }


def run_in_node(tmp_path, data):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    result = subprocess.run([NODE, str(CHECK), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def torch_loss(net, ids):
    """The mean cross-entropy of a (B, T + 1) batch from the zero state, as the trainer defines it."""
    X, Y = ids[:, :-1], ids[:, 1:]
    logits, _ = net(X, net.begin_state(X.shape[0]))
    return F.cross_entropy(logits, Y.T.reshape(-1))


def relative_error(actual, expected: torch.Tensor) -> float:
    actual = torch.tensor(actual, dtype=torch.float64).reshape(expected.shape)
    return ((actual - expected).norm() / expected.norm()).item()


@pytest.mark.parametrize("shape", [dict(V=11, H=13, B=5, T=7), dict(V=28, H=64, B=3, T=20), dict(V=5, H=4, B=1, T=2)])
def test_loss_and_all_five_gradients_equal_pytorch_in_float64(tmp_path, shape):
    net, batches = problem(**shape)
    result = run_in_node(tmp_path, as_json(net, batches))
    loss = torch_loss(net, batches[0])
    loss.backward()
    assert result["loss"] == pytest.approx(loss.item(), rel=1e-9, abs=0)
    for name in export.PARAMETERS:
        gradient = getattr(net, name).grad
        assert gradient.norm() > 0, name  # a gradient that is zero would check nothing
        assert relative_error(result["gradients"][name], gradient) < 1e-9, name


def torch_trajectory(net, batches, optimizer, theta):
    losses = []
    for ids in batches:
        optimizer.zero_grad()
        loss = torch_loss(net, ids)
        loss.backward()
        charrnn.grad_clipping(net, theta)
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_fifty_sgd_steps_with_clipping_follow_pytorch(tmp_path):
    net, batches = problem(V=28, H=32, B=8, T=12, num_batches=50, seed=1)
    result = run_in_node(tmp_path, as_json(net, batches, optimizer="sgd", lr=1.0, theta=1.0))
    expected = torch_trajectory(net, batches, torch.optim.SGD(net.parameters(), lr=1.0), theta=1.0)
    assert result["trajectory"] == pytest.approx(expected, rel=1e-6, abs=0)
    assert expected[-1] < expected[0] - 0.5, "it learned: the check covers real training"


def test_fifty_adam_steps_with_clipping_follow_pytorch(tmp_path):
    net, batches = problem(V=28, H=32, B=8, T=12, num_batches=50, seed=2)
    result = run_in_node(tmp_path, as_json(net, batches, optimizer="adam", lr=0.01, theta=1.0))
    expected = torch_trajectory(net, batches, torch.optim.Adam(net.parameters(), lr=0.01), theta=1.0)
    assert result["trajectory"] == pytest.approx(expected, rel=1e-6, abs=0)
    assert expected[-1] < expected[0] - 0.5


def held_out_nll(net, pieces: torch.Tensor) -> float:
    """The summed cross-entropy of each piece after its first character, from the zero state, with
    <unk> (id 0, which no text holds) given probability 0, as the samplers give it."""
    X, Y = pieces[:, :-1], pieces[:, 1:]
    logits, _ = net(X, net.begin_state(X.shape[0]))
    logits[:, 0] = float("-inf")
    return F.cross_entropy(logits, Y.T.reshape(-1), reduction="sum").item()


def test_held_out_scoring_is_the_cross_entropy_of_each_stream_read_from_the_zero_state(tmp_path):
    net, batches = problem(V=11, H=13)
    ids = torch.randint(1, 11, (3 * 9 + 2,), generator=torch.Generator().manual_seed(5))
    short = ids[:5]  # too short for 3 streams of 2: read as 2 streams
    result = run_in_node(tmp_path, {**as_json(net, batches), "score": {"ids": ids.tolist(), "streams": 3},
                                    "scoreShort": {"ids": short.tolist(), "streams": 3}})
    # Three streams of 9 characters (the last 2 left over); in each, characters 2..9 are scored.
    with torch.no_grad():
        expected = held_out_nll(net, ids[:27].reshape(3, 9))
        expected_short = held_out_nll(net, short[:4].reshape(2, 2))
    assert result["scored"]["count"] == 24
    assert result["scored"]["nll"] == pytest.approx(expected, rel=1e-12)
    assert result["scoredShort"]["count"] == 2
    assert result["scoredShort"]["nll"] == pytest.approx(expected_short, rel=1e-12)


def test_text_is_split_and_indexed_as_the_book_does(tmp_path):
    book = " ".join(charrnn.read_time_machine())
    own = "καλημέρα 🙂 κόσμε, 早上好世界! " * 10  # any Unicode: Greek, an emoji (two UTF-16 units), Chinese
    net, batches = problem()
    texts = [[book, 35, live.MAX_HELD_OUT], [own, 35], ["", 35], ["a" * 199, 35], ["ab" * 150, 300]]
    book_seen, own_seen, empty, short, window = run_in_node(tmp_path, {**as_json(net, batches), "texts": texts})["prepared"]

    vocab = charrnn.Vocab(list(book))  # the book's own vocabulary: the same indices
    assert book_seen["tokens"] == vocab.idx_to_token
    held_out = live.LiveTrainer().held_out_length
    assert held_out == min(len(book) // 10, live.MAX_HELD_OUT)
    assert book_seen["heldOut"] == vocab[list(book[-held_out:])]
    assert book_seen["train"] == vocab[list(book[:-held_out])]

    characters = list(own)  # code points, so the emoji is one character, as Python counts it
    assert own_seen["tokens"] == charrnn.Vocab(characters).idx_to_token and "🙂" in own_seen["tokens"]
    assert len(own_seen["train"]) + len(own_seen["heldOut"]) == len(characters)
    assert empty["error"] == "InputError: the text has 0 characters; at least 200 are needed"
    assert short["error"] == "InputError: the text has 199 characters; at least 200 are needed"
    assert window["error"].startswith("InputError: the training part of the text has 270 characters, fewer than "
                                      "one window of 300 steps")


def test_the_page_script_cannot_close_its_own_script_tag():
    for files in pages.BUNDLES.values():
        assert "</script" not in pages.bundle(files).lower()


def test_the_trainer_controller_checks_starts_takes_turns_restarts_and_ends_its_workers():
    """charrnn.TrainerController with stand-in workers (tests/train_controller_check.js)."""
    ranges = json.dumps(live.TRAINER_RANGES)
    result = subprocess.run([NODE, str(CONTROLLER_CHECK), ranges], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["refused"] == [
        'InputError: hidden size must be a whole number from 8 to 512, got "1000"',
        'InputError: learning rate must be a number from 0.0001 to 1, got ""',
        "InputError: paste a text into the box first",
        "InputError: the text has 9 characters; at least 200 are needed",
        'InputError: cell must be one of rnn, gru, lstm, got "tanh"',
    ]
    assert seen["refusedWorkers"] == 0, "refused settings start no worker"
    # Two cores: run B prepares its text only once run A has, and no run trains until both have
    # (so that the page keeps a core); then run A gets the first turn, each progress report passes
    # the turn on, and a run left alone takes every turn.
    turns = seen["turns"]
    assert turns["takeTurns"] and turns["sent"] == [["setup", "train"]], "run B's worker is not made yet"
    assert turns["afterA"] == [["setup", "train"], ["setup", "train"]]
    assert turns["afterB"] == [["setup", "train", "turn"], ["setup", "train"]]
    assert turns["after"] == ["turn", "turn"] and turns["alone"] == [3, 1]
    # Eight cores: no turns; moving run B's hidden size while training restarts run B only.
    restart = seen["restart"]
    assert not restart["takeTurns"] and restart["first"] == ["setup,train", "setup,train"]
    assert restart["workers"] == 3 and restart["terminated"] == [False, True, False]
    assert restart["hidden"] == [16, 40] and restart["kept"] == 1 and restart["events"] == [["point", 0]]
    assert restart["stale"] == 0, "a stopped worker's message does not reach its run"
    assert restart["paused"] == ["pause", "train", "pause"]
    assert restart["changedWhilePaused"] == "settings changed: Train starts again"
    assert restart["cellChange"] == {"workers": 1, "cells": ["lstm", "rnn"], "terminated": True}
    reports = seen["reports"]
    assert seen["ready"] == [[387, "WebAssembly SIMD, float32", False], [1, "JavaScript, float64", True]]
    assert seen["noModel"] and reports["model"] == ["RNN", 3, 16, 3]
    assert reports["sample"] == "at 0.5", "a sample drawn at a temperature left behind is dropped"
    assert reports["drawn"] == "abba" and reports["sentToA"] == ["setup", "train", "temperature", "draw"]
    assert reports["problemB"] == "training diverged at step 7" and not reports["trainingB"]
    assert reports["problemA"] == "the training worker stopped: out of memory"
    assert seen["disposed"] == {"terminated": [True, True], "runs": [[None, 0], [None, 0]]}


WORKER_CHECK = Path(__file__).with_name("train_worker_check.js")


def test_any_pasted_text_gives_a_perplexity_or_says_why_there_is_none(tmp_path):
    """Each kind of text a reader may paste (tests/train_worker_check.js): the page's check,
    and where it passes, three steps of the training worker itself."""
    book = " ".join(charrnn.read_time_machine())
    texts = {
        "3 MB": (book + " ") * 17,
        "600 a": "a" * 600,
        "control characters": "x\u0000y\u0007z " * 80,
        "emoji, CJK, Arabic": ("🙂🚀 早上好世界 مرحبا بالعالم " * 60)[:1140],
        "199 characters": "b" * 199,
        "CRLF": ("a line of text\r\n" * 400)[:5000],
        "empty": "",
        "whitespace": " \n\t " * 100,
        "over the limit": "c" * 10_000_001,
    }
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(texts))
    ranges = json.dumps(live.TRAINER_RANGES)
    result = subprocess.run([NODE, str(WORKER_CHECK), str(path), ranges], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["empty"]["page"] == "paste a text into the box first"
    assert seen["199 characters"]["page"] == "the text has 199 characters; at least 200 are needed"
    assert seen["over the limit"]["page"] == ("the text has 10,000,001 characters; at most 10,000,000 can be "
                                              "trained on here: paste a shorter one")
    # The page's own check takes the same short time for any text (the 3 MB one is not read).
    assert seen["3 MB"]["pageMs"] < 20, seen["3 MB"]
    trained = [name for name in texts if seen[name]["page"] == "ok"]
    assert trained == ["3 MB", "600 a", "control characters", "emoji, CJK, Arabic", "CRLF", "whitespace"]
    for name in trained:
        worker = seen[name]["worker"]
        assert "error" not in worker, (name, worker)
        # A perplexity is a number: at least 1, at most the vocabulary's size (about, untrained).
        assert len(worker["heldOut"]) >= 2 and all(1 <= p < 1.5 * worker["tokens"] for p in worker["heldOut"]), name
    # One distinct character: the only one the model can give any probability to.
    assert seen["600 a"]["worker"]["heldOut"] == [1] * len(seen["600 a"]["worker"]["heldOut"])
    assert seen["600 a"]["worker"]["tokens"] == 2  # <unk> and "a"
    # Control characters are shown as their pictures, not swallowed.
    sample = seen["control characters"]["worker"]["sample"]
    assert "\u2400" in sample and "\u2407" in sample and "\u0000" not in sample and "\u0007" not in sample
    assert "\u240d" in seen["CRLF"]["worker"]["sample"] and "\r" not in seen["CRLF"]["worker"]["sample"]
