"""The written-out GRU and LSTM steps equal PyTorch's layers, outputs and gradients (float64), and
the chapter's own; the state-gradient profile matches Jacobians taken by hand."""

from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from charrnn.gates import gru_step, lstm_step, state_gradient_norms

V, H, B, T = 7, 5, 3, 6


def inputs(seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(T, B, V, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("cell", [nn.GRU, nn.LSTM])
def test_written_out_steps_equal_pytorch_outputs_and_gradients(cell):
    torch.manual_seed(0)
    layer = cell(V, H).double()
    X = inputs().requires_grad_()
    expected, _ = layer(X)
    h = torch.zeros(B, H, dtype=torch.float64)
    state = (h, h) if cell is nn.LSTM else h
    outputs = []
    for x in X:
        state = lstm_step(x, state, layer) if cell is nn.LSTM else gru_step(x, state, layer)
        outputs.append(state[0] if cell is nn.LSTM else state)
    ours = torch.stack(outputs)
    torch.testing.assert_close(ours, expected, rtol=1e-12, atol=1e-12)
    weights = torch.randn_like(ours)
    grads_ours = torch.autograd.grad((ours * weights).sum(), [X, *layer.parameters()])
    grads_torch = torch.autograd.grad((expected * weights).sum(), [X, *layer.parameters()])
    for mine, theirs in zip(grads_ours, grads_torch):
        torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-12)


def test_the_grus_reset_gate_acts_after_the_product():
    torch.manual_seed(1)
    layer = nn.GRU(V, H).double()
    with torch.no_grad():
        layer.bias_hh_l0[2 * H:] = 1.0  # b_hn: inside the reset gate's product in PyTorch's GRU
    x, h = inputs()[0], torch.randn(B, H, dtype=torch.float64)
    expected = layer(x[None], h[None])[1][0]
    torch.testing.assert_close(gru_step(x, h, layer), expected, rtol=1e-12, atol=1e-12)


def test_state_gradient_norms_of_a_vanilla_rnn_match_its_jacobians_by_hand():
    torch.manual_seed(2)
    layer = nn.RNN(V, H).double()
    X = inputs(2)
    norms = state_gradient_norms(layer, X)
    assert len(norms) == T + 1 and norms[0] == 1.0
    # By hand (column convention): dh_T/dh_{T-j} = J_T ... J_{T-j+1}, J_u = diag(1 - h_u^2) W_hh.
    with torch.no_grad():
        states, _ = layer(X)
        W = layer.weight_hh_l0
        for j in (1, 3, T):
            per_row = []
            for b in range(B):
                product = torch.eye(H, dtype=torch.float64)
                for u in range(T - j, T):  # states[u] is h_{u+1}: the steps T-j+1 .. T
                    product = torch.diag(1 - states[u, b] ** 2) @ W @ product
                per_row.append(torch.linalg.matrix_norm(product, ord=2))
            assert norms[j] == pytest.approx(torch.stack(per_row).mean().item(), rel=1e-10)


def test_state_gradient_norms_refuses_a_stacked_layer():
    with pytest.raises(ValueError, match="one-layer, one-direction"):
        state_gradient_norms(nn.GRU(V, H, num_layers=2), inputs())


@pytest.mark.parametrize("through", ["h", "c"])
def test_state_gradient_norms_of_an_lstm_follow_the_written_out_step(through):
    torch.manual_seed(3)
    layer = nn.LSTM(V, H).double()
    X = inputs(3)
    norms = state_gradient_norms(layer, X, through=through)
    j = 3
    with torch.no_grad():
        h, c = torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64)
        for x in X[: T - j]:
            h, c = lstm_step(x, (h, c), layer)

    def carry(start: torch.Tensor) -> torch.Tensor:
        # the followed half of the state j steps on, from the state at T - j (the other half fixed)
        state = (start, c) if through == "h" else (h, start)
        for x in X[T - j:]:
            state = lstm_step(x, state, layer)
        return state[0] if through == "h" else state[1]

    start = h if through == "h" else c
    per_row = []
    for b in range(B):
        jacobian = torch.autograd.functional.jacobian(lambda s: carry(s)[b], start)[:, b]
        per_row.append(torch.linalg.matrix_norm(jacobian, ord=2))
    assert norms[j] == pytest.approx(torch.stack(per_row).mean().item(), rel=1e-10)


def test_state_gradient_norms_follows_a_cell_state_only_in_an_lstm():
    with pytest.raises(ValueError, match="through must be"):
        state_gradient_norms(nn.GRU(V, H), inputs(), through="c")
    with pytest.raises(ValueError, match="through must be"):
        state_gradient_norms(nn.LSTM(V, H), inputs(), through="x")


CHAPTER = Path(__file__).resolve().parent.parent / "chapters" / "gated_cells.ipynb"


def chapter_function(name: str):
    """A step function as the chapter's cell defines it (the cell that starts with its `def`,
    after the chapter's imports)."""
    cells = [cell.source for cell in nbformat.read(CHAPTER, as_version=4).cells if cell.cell_type == "code"]
    source = next(src for src in cells if f"\ndef {name}(" in f"\n{src}")
    namespace = {}
    exec(source[source.index(f"def {name}(") :].split("\n\n\n")[0], {"torch": torch, "nn": nn}, namespace)
    return namespace[name]


@pytest.mark.parametrize("cell", [nn.GRU, nn.LSTM])
def test_the_chapters_written_out_steps_equal_the_packages(cell):
    torch.manual_seed(4)
    layer = cell(V, H).double()
    x, h = inputs(4)[0], torch.randn(B, H, dtype=torch.float64)
    if cell is nn.GRU:
        ours, package = chapter_function("gru_step")(x, h, layer), gru_step(x, h, layer)
    else:
        state = (h, torch.randn(B, H, dtype=torch.float64))
        ours, package = torch.cat(chapter_function("lstm_step")(x, state, layer)), torch.cat(lstm_step(x, state, layer))
    torch.testing.assert_close(ours, package, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("cell", [nn.RNN, nn.GRU, nn.LSTM])
def test_state_gradient_norms_from_a_carried_state_equal_those_of_the_whole_run(cell):
    torch.manual_seed(5)
    layer = cell(V, H).double()
    prefix, X = inputs(5)[:3], inputs(6)
    with torch.no_grad():
        _, carried = layer(prefix)
    whole = state_gradient_norms(layer, torch.cat([prefix, X]))
    assert state_gradient_norms(layer, X, start=carried) == pytest.approx(whole[: T + 1], rel=1e-10)
