"""The in-page trainer's cells (charrnn/js/cells.js) against PyTorch, in Node, on both kernels.

The readable kernels compute in float64 and are held to autograd in float64 as tightly as the
page's RNN is (tests/test_page_trainer.py). The WebAssembly SIMD kernels compute in float32, so
no float64 tolerance fits them. They are held to the float64 answer with the error PyTorch's own
float32 makes on the same problem as the yardstick: at most four times that error (the sums run
in another order), or at most 1e-6 relative (about eight units in float32's last place), for the
loss, every gradient and fifty steps of clipped Adam.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import charrnn
from charrnn import live
import nodejs  # scripts/nodejs.py, on the path from conftest.py

NODE = nodejs.find("node")
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason=nodejs.MISSING)
CHECK = Path(__file__).with_name("cells_check.js")
CELLS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def shapes(cell: str, V: int, H: int) -> dict[str, tuple[int, ...]]:
    """cells.js's parameters and their shapes, in its order."""
    G = GATES[cell] * H
    extra = {"b_hn": (H,)} if cell == "gru" else {}
    return {"W_xh": (V, G), "W_hh": (H, G), "b_h": (G,), **extra, "W_hq": (H, V), "b_q": (V,)}


def initial_weights(cell: str, V: int, H: int, seed: int, scale: float) -> dict[str, torch.Tensor]:
    """float64 weights, N(0, scale^2): far enough from zero that every nonlinearity bends."""
    generator = torch.Generator().manual_seed(seed)
    return {name: scale * torch.randn(shape, generator=generator, dtype=torch.float64)
            for name, shape in shapes(cell, V, H).items()}


def logits_of(p: dict[str, torch.Tensor], cell: str, inputs, B: int, T: int) -> torch.Tensor:
    """The logits (T * B x V) of time-major inputs read from the zero state: cells.js's equations,
    written with PyTorch so that autograd gives the gradients."""
    H = p["W_hh"].shape[0]
    h = torch.zeros(B, H, dtype=p["W_xh"].dtype)
    c = torch.zeros_like(h)
    states = []
    for x in inputs.reshape(T, B):
        a, hg = p["W_xh"][x] + p["b_h"], h @ p["W_hh"]
        if cell == "rnn":
            h = torch.tanh(a + hg)
        elif cell == "gru":
            r, z = torch.sigmoid(a[:, :2 * H] + hg[:, :2 * H]).split(H, 1)
            n = torch.tanh(a[:, 2 * H:] + r * (hg[:, 2 * H:] + p["b_hn"]))
            h = (1 - z) * n + z * h
        else:
            i, f, g, o = (a + hg).split(H, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
    return torch.cat(states) @ p["W_hq"] + p["b_q"]


def mean_loss(p: dict[str, torch.Tensor], cell: str, inputs, targets, B: int, T: int) -> torch.Tensor:
    """The mean cross-entropy of time-major inputs and targets from the zero state."""
    return F.cross_entropy(logits_of(p, cell, inputs, B, T), targets)


def held_out_nll(weights, cell: str, pieces: torch.Tensor) -> float:
    """score()'s figure: the summed cross-entropy of each piece after its first character, the
    pieces read side by side from the zero state, <unk> (id 0, in no text) given probability 0."""
    B, T = pieces.shape[0], pieces.shape[1] - 1
    with torch.no_grad():
        logits = logits_of(weights, cell, pieces[:, :-1].T.reshape(-1), B, T)
        logits[:, 0] = float("-inf")
        return F.cross_entropy(logits, pieces[:, 1:].T.reshape(-1), reduction="sum").item()


def problem(cell: str, H=32, B=8, T=12, num_batches=50, seed=0):
    """Weights, and batches of B windows of The Time Machine at random places (time-major)."""
    book = charrnn.read_time_machine()
    vocab = charrnn.Vocab(list(" ".join(book)))
    ids = torch.tensor(vocab[list(" ".join(book))])
    V = len(vocab)
    # The RNN's weights are smaller: at the gated cells' scale its gradients explode, and a run
    # whose float64 and float32 trajectories part after a few steps would check nothing.
    weights = initial_weights(cell, V, H, seed, scale=0.15 if cell == "rnn" else 0.5)
    generator = torch.Generator().manual_seed(seed + 1)
    batches = []
    for _ in range(num_batches):
        starts = torch.randint(len(ids) - T - 1, (B,), generator=generator)
        windows = torch.stack([ids[s:s + T + 1] for s in starts])
        batches.append((windows[:, :-1].T.reshape(-1), windows[:, 1:].T.reshape(-1)))
    return dict(cell=cell, V=V, H=H, B=B, T=T), weights, batches


def run_in_node(tmp_path, kernels, settings, weights, batches, lr=0.01, theta=1.0, **extra):
    data = {**settings, "kernels": kernels, "lr": lr, "theta": theta,
            "weights": {name: w.reshape(-1).tolist() for name, w in weights.items()},
            "batches": [{"inputs": x.tolist(), "targets": y.tolist()} for x, y in batches], **extra}
    path = tmp_path / f"{kernels}.json"
    path.write_text(json.dumps(data))
    result = subprocess.run([NODE, str(CHECK), str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def torch_run(settings, weights, batches, dtype, lr=0.01, theta=1.0):
    """The first batch's loss and gradients, and the loss before each of the Adam steps."""
    p = {name: w.clone().to(dtype).requires_grad_() for name, w in weights.items()}
    B, T, cell = settings["B"], settings["T"], settings["cell"]
    loss = mean_loss(p, cell, *batches[0], B, T)
    gradients = dict(zip(p, torch.autograd.grad(loss, list(p.values()))))
    optimizer = torch.optim.Adam(p.values(), lr=lr)
    trajectory = []
    for x, y in batches:
        optimizer.zero_grad()
        step_loss = mean_loss(p, cell, x, y, B, T)
        step_loss.backward()
        nn.utils.clip_grad_norm_(p.values(), theta)  # the global norm over every parameter, as the page clips
        optimizer.step()
        trajectory.append(step_loss.item())
    gradients = {name: g.double() for name, g in gradients.items()}
    return loss.item(), gradients, torch.tensor(trajectory, dtype=torch.float64)


def relative(actual, expected: torch.Tensor) -> float:
    actual = torch.as_tensor(actual, dtype=torch.float64).reshape(expected.shape)
    return ((actual - expected).norm() / expected.norm()).item()


@pytest.mark.parametrize("cell", CELLS)
def test_the_equations_are_pytorchs_layers_in_cells_js_layout(cell):
    """The equations above (mean_loss) are nn.RNN's, nn.GRU's and nn.LSTM's: PyTorch's gate order
    (r, z, n and i, f, g, o), the reset gate applied to H W_hn + b_hn, and b_h the sum of the two
    biases wherever they only add."""
    V, H, B, T = 7, 5, 3, 4
    weights = initial_weights(cell, V, H, seed=3, scale=0.5)
    layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](V, H).double()
    G = GATES[cell] * H
    with torch.no_grad():
        layer.weight_ih_l0.copy_(weights["W_xh"].T)
        layer.weight_hh_l0.copy_(weights["W_hh"].T)
        hidden_bias = torch.randn(G, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
        if cell == "gru":
            hidden_bias[2 * H:] = weights["b_hn"]
        layer.bias_hh_l0.copy_(hidden_bias)
        # Where the biases only add (every part but the GRU's candidate), b_h is their sum.
        added = hidden_bias.clone()
        if cell == "gru":
            added[2 * H:] = 0
        layer.bias_ih_l0.copy_(weights["b_h"] - added)
    inputs = torch.randint(V, (T * B,), generator=torch.Generator().manual_seed(5))
    targets = torch.randint(V, (T * B,), generator=torch.Generator().manual_seed(6))
    states, _ = layer(F.one_hot(inputs.reshape(T, B), V).double())
    expected = F.cross_entropy(states.reshape(T * B, H) @ weights["W_hq"] + weights["b_q"], targets)
    assert mean_loss(weights, cell, inputs, targets, B, T).item() == pytest.approx(expected.item(), rel=1e-13)


@pytest.mark.parametrize("cell", CELLS)
def test_readable_kernels_give_autograds_loss_gradients_and_adam_steps_in_float64(tmp_path, cell):
    settings, weights, batches = problem(cell)
    prefix = batches[0][0][:9]
    pieces = batches[1][0][:3 * 10].reshape(3, 10)
    result = run_in_node(tmp_path, "plain", settings, weights, batches, prefix=prefix.tolist(),
                         score={"ids": pieces.reshape(-1).tolist(), "streams": 3})
    assert result["kernels"] == "JavaScript, float64"
    loss, gradients, trajectory = torch_run(settings, weights, batches, torch.float64)
    assert result["loss"] == pytest.approx(loss, rel=1e-9, abs=0)
    for name, gradient in gradients.items():
        assert gradient.norm() > 0, name  # a zero gradient would check nothing
        assert relative(result["gradients"][name], gradient) < 1e-9, name
    assert result["trajectory"] == pytest.approx(trajectory.tolist(), rel=1e-6, abs=0)
    assert trajectory[-1] < trajectory[0] - 0.5, "it learned: the check covers real training"

    # The samplers' one-character step (a separate code path) reads a prefix as the batch does.
    with torch.no_grad():
        last = logits_of(weights, cell, prefix, 1, len(prefix))[-1]
        last[0] = float("-inf")  # <unk>, which no text holds, gets probability 0
    assert result["next"] == pytest.approx(torch.softmax(last, 0).tolist(), rel=1e-9, abs=1e-15)
    # Held-out scoring: three streams side by side, each from the zero state.
    nll = held_out_nll(weights, cell, pieces)
    assert result["scored"] == {"nll": pytest.approx(nll, rel=1e-12), "count": 27}


@pytest.mark.parametrize("cell", CELLS)
def test_webassembly_kernels_are_as_accurate_as_pytorch_in_float32(tmp_path, cell):
    settings, weights, batches = problem(cell, seed=1)
    result = run_in_node(tmp_path, "wasm", settings, weights, batches)
    assert result["kernels"] == "WebAssembly SIMD, float32"
    loss64, gradients64, trajectory64 = torch_run(settings, weights, batches, torch.float64)
    loss32, gradients32, trajectory32 = torch_run(settings, weights, batches, torch.float32)

    def bound(pytorch_float32_error: float) -> float:
        return max(4 * pytorch_float32_error, 1e-6)

    assert abs(result["loss"] / loss64 - 1) <= bound(abs(loss32 / loss64 - 1))
    for name, gradient in gradients64.items():
        assert relative(result["gradients"][name], gradient) <= bound(relative(gradients32[name], gradient)), name
    deviation = ((torch.tensor(result["trajectory"]) - trajectory64).abs() / trajectory64).max().item()
    deviation32 = ((trajectory32 - trajectory64).abs() / trajectory64).max().item()
    assert deviation <= bound(deviation32), (deviation, deviation32)
    assert trajectory64[-1] < trajectory64[0] - 0.5, "it learned: the check covers real training"


@pytest.mark.parametrize("cell", CELLS)
def test_webassembly_kernels_at_odd_sizes_score_and_survive_memory_growth(tmp_path, cell):
    """Sizes that are not multiples of 4 or 8 (a pasted text's vocabulary, any batch size) run the
    kernels' leftover rows and columns; held-out scoring runs on them too; and a workspace far
    larger than the module's first memory grows it without losing the weights."""
    V, H, B, T = 30, 37, 5, 7
    settings = dict(cell=cell, V=V, H=H, B=B, T=T)
    weights = initial_weights(cell, V, H, seed=7, scale=0.3)
    generator = torch.Generator().manual_seed(8)
    batches = [(torch.randint(V, (T * B,), generator=generator), torch.randint(V, (T * B,), generator=generator))]
    pieces = torch.randint(1, V, (3, 11), generator=generator)
    result = run_in_node(tmp_path, "wasm", settings, weights, batches, grow=True,
                         score={"ids": pieces.reshape(-1).tolist(), "streams": 3})
    loss64, gradients64, _ = torch_run(settings, weights, batches, torch.float64)
    loss32, gradients32, _ = torch_run(settings, weights, batches, torch.float32)
    assert abs(result["loss"] / loss64 - 1) <= max(4 * abs(loss32 / loss64 - 1), 1e-6)
    for name, gradient in gradients64.items():
        assert relative(result["gradients"][name], gradient) <= max(4 * relative(gradients32[name], gradient), 1e-6), name
    assert result["afterGrowth"] == {"weightsKept": True, "loss": result["loss"]}
    nll = held_out_nll(weights, cell, pieces)
    assert result["scored"]["count"] == 30
    assert result["scored"]["nll"] == pytest.approx(nll, rel=1e-6)


def test_the_rnn_cell_draws_and_computes_as_chapter_4s_page_rnn():
    """cells.js's "rnn" starts from the weights model.js's RNN draws from the same seed, and
    gives the same loss and gradients, so a run's seed means one model on either kernels."""
    script = """
        const path = require("path"), js = process.argv[1];
        for (const f of require(path.join(js, "bundles.json")).node) require(path.join(js, f));
        const V = 11, H = 13, B = 4, T = 6;
        const rnn = new charrnn.RNN(V, H, { random: charrnn.seededRandom(3) });
        const cell = new charrnn.Cell("rnn", V, H, { random: charrnn.seededRandom(3) });
        const random = charrnn.seededRandom(4);
        for (const name of rnn.names) for (let i = 0; i < rnn.params[name].length; i++) {
          rnn.params[name][i] = cell.params[name][i] = random() - 0.5;  // biases too, away from 0
        }
        const ids = () => Int32Array.from({ length: B * T }, () => Math.floor(random() * V));
        const [inputs, targets] = [ids(), ids()];
        const losses = [rnn.lossAndGradients(inputs, targets, B, T), cell.lossAndGradients(inputs, targets, B, T)];
        const fresh = [new charrnn.RNN(V, H, { random: charrnn.seededRandom(9) }),
          new charrnn.Cell("rnn", V, H, { random: charrnn.seededRandom(9) })];
        let worst = 0;
        for (const name of rnn.names) for (let i = 0; i < rnn.grads[name].length; i++) {
          worst = Math.max(worst, Math.abs(rnn.grads[name][i] - cell.grads[name][i]));
        }
        const same = rnn.names.every((n) => fresh[0].params[n].every((v, i) => v === fresh[1].params[n][i]));
        console.log(JSON.stringify({ names: [rnn.names, cell.names], losses, worst, same,
          norm: Math.sqrt(rnn.names.reduce((s, n) => s + rnn.grads[n].reduce((a, v) => a + v * v, 0), 0)) }));
    """
    result = subprocess.run([NODE, "-e", script, str(Path(__file__).parent.parent / "charrnn" / "js")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["names"][0] == seen["names"][1] == ["W_xh", "W_hh", "b_h", "W_hq", "b_q"]
    assert seen["same"], "the same seed draws the same initial weights"
    assert seen["losses"][0] == pytest.approx(seen["losses"][1], rel=1e-13)
    assert seen["norm"] > 0.1 and seen["worst"] < 1e-13


@pytest.mark.parametrize("cell, H, count", [("rnn", 264, 84_772), ("gru", 128, 64_028), ("lstm", 128, 83_996)])
def test_the_page_counts_each_cells_parameters(cell, H, count):
    """charrnn.parameterCount, which the panel shows, at The Time Machine's 28 tokens. PyTorch's
    layers keep two biases per gate; the page keeps their sum wherever they only add, so it counts
    H fewer for the RNN, 2H for the GRU and 4H for the LSTM than nn.RNN, nn.GRU and nn.LSTM."""
    V = 28
    script = f"""
        const path = require("path"), js = process.argv[1];
        for (const f of require(path.join(js, "bundles.json")).node) require(path.join(js, f));
        console.log(charrnn.parameterCount({json.dumps(cell)}, {V}, {H}));
    """
    result = subprocess.run([NODE, "-e", script, str(Path(__file__).parent.parent / "charrnn" / "js")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](V, H)
    pytorch = sum(p.numel() for p in layer.parameters()) + H * V + V  # with the output layer
    assert int(result.stdout) == count == pytorch - {"rnn": 1, "gru": 2, "lstm": 4}[cell] * H
    assert live.parameter_count(cell, V, H) == count  # the chapters' count of the same
    with pytest.raises(ValueError, match="cell must be one of rnn, gru, lstm, got 'tanh'"):
        live.parameter_count("tanh", V, H)
