import pytest
import torch
from torch import nn

from charrnn import RNNModel, RNNScratch
from charrnn.fast import Recurrence, _sum_rows_by_id

V, H, B, T = 11, 8, 4, 6


@pytest.mark.parametrize("relu", [False, True])
def test_hand_written_backward_passes_gradcheck(relu):
    ids = torch.randint(V, (T, B))
    params = [torch.randn(shape, dtype=torch.float64, requires_grad=True) for shape in ((V, H), (H,), (B, H), (H, H))]
    assert torch.autograd.gradcheck(lambda *p: Recurrence.apply(ids, *p, relu), params)


def loss_and_grads(net, inputs, targets, state):
    state = state.clone().requires_grad_()
    logits, final = net(inputs, state)
    loss = nn.functional.cross_entropy(logits, targets.T.reshape(-1)) + final.square().mean()
    loss.backward()
    grads = [p.grad.clone() for p in net.parameters()] + [state.grad]
    net.zero_grad()
    return loss.detach(), grads


def models(dtype):
    scratch = RNNScratch(V, H, omega=0.3, fast=True).to(dtype)
    relu = RNNScratch(V, H, omega=0.3, nonlinearity="relu", fast=True).to(dtype)
    concise = RNNModel(nn.RNN(V, H), V, fast=True).to(dtype)
    concise_relu = RNNModel(nn.RNN(V, H, nonlinearity="relu"), V, fast=True).to(dtype)
    return [scratch, relu, concise, concise_relu]


@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_fast_and_reference_paths_give_the_same_loss_and_gradients(dtype, tolerance):
    inputs, targets = torch.randint(V, (B, T)), torch.randint(V, (B, T))
    for net in models(dtype):
        assert net.fast
        state = net.begin_state(B) + 0.1
        fast = loss_and_grads(net, inputs, targets, state)
        net.fast = False
        reference = loss_and_grads(net, inputs, targets, state)
        torch.testing.assert_close(fast, reference, rtol=tolerance, atol=tolerance)  # the loss, then every gradient


def test_fast_path_only_for_single_layer_unidirectional_rnn():
    assert RNNModel(nn.RNN(V, H), V, fast=True).fast
    assert not RNNModel(nn.RNN(V, H), V).fast, "the nn path is the default"
    assert not RNNModel(nn.RNN(V, H, num_layers=2), V, fast=True).fast
    assert not RNNModel(nn.RNN(V, H, bidirectional=True), V, fast=True).fast
    assert not RNNModel(nn.GRU(V, H), V, fast=True).fast
    assert not RNNModel(nn.LSTM(V, H), V, fast=True).fast


def test_fast_rnn_without_biases():
    net = RNNModel(nn.RNN(V, H, bias=False), V, fast=True)
    inputs = torch.randint(V, (B, T))
    fast, _ = net(inputs, net.begin_state(B))
    net.fast = False
    reference, _ = net(inputs, net.begin_state(B))
    torch.testing.assert_close(fast, reference)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_cuda
def test_fast_path_on_cuda_matches_cpu():
    net = RNNScratch(V, H, omega=0.3, fast=True)
    inputs = torch.randint(V, (B, T))
    cpu, _ = net(inputs, net.begin_state(B))
    gpu = net.to("cuda")
    cuda, _ = gpu(inputs.cuda(), gpu.begin_state(B, "cuda"))
    torch.testing.assert_close(cuda.cpu(), cpu, rtol=1e-4, atol=1e-5)


@needs_cuda
@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_fast_backward_on_cuda_matches_autograd(dtype, tolerance, monkeypatch):
    """cuDNN's TF32 is off here, as in the chapters' first cell: the two paths agree to float32."""
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    inputs, targets = torch.randint(V, (B, T), device="cuda"), torch.randint(V, (B, T), device="cuda")
    for net in models(dtype):
        net = net.cuda()
        state = net.begin_state(B, "cuda") + 0.1
        fast = loss_and_grads(net, inputs, targets, state)
        net.fast = False
        reference = loss_and_grads(net, inputs, targets, state)
        torch.testing.assert_close(fast, reference, rtol=tolerance, atol=tolerance)


@needs_cuda
def test_fast_backward_on_cuda_is_the_same_in_every_run():
    net = RNNScratch(28, 64, omega=0.3, fast=True).cuda()
    inputs, targets = torch.randint(28, (32, 35), device="cuda"), torch.randint(28, (32, 35), device="cuda")
    runs = [loss_and_grads(net, inputs, targets, net.begin_state(32, "cuda"))[1] for _ in range(5)]
    assert all(torch.equal(a, b) for run in runs[1:] for a, b in zip(run, runs[0])), "bit for bit"


def test_row_sums_by_id_equal_a_scatter_add():
    rows, ids = torch.randn(50, H, dtype=torch.float64), torch.randint(V, (50,))
    like = torch.empty(V, H, dtype=torch.float64)
    expected = torch.stack([rows[ids == i].sum(0) for i in range(V)])
    torch.testing.assert_close(_sum_rows_by_id(rows, ids, like), expected)
    if torch.cuda.is_available():
        torch.testing.assert_close(_sum_rows_by_id(rows.cuda(), ids.cuda(), like.cuda()).cpu(), expected)
