"""The fast path: the same RNN maths as `RNNScratch`, arranged for speed.

Three changes, none of which alters the function computed (chapter 3 checks the first
numerically; the others only regroup sums):
1. The input product one_hot(x_t) W_xh is a row lookup W_xh[x_t], for all steps at once.
2. The output layer is one matrix multiply over all steps instead of one per step.
3. Backpropagation through time is written by hand: the loop only carries the gradient of the
   state back one step at a time; the gradients of W_hh, W_xh and b_h, sums over all steps, are
   taken after the loop in one large matrix multiply, one scatter-add (on a GPU, a one-hot
   product, which adds in a fixed order) and one sum, instead of
   `num_steps` small pieces accumulated inside it.
"""

import torch


def _sum_rows_by_id(rows: torch.Tensor, ids: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Row i of the result is the sum of the rows whose id is i (the gradient of a row lookup).

    On the CPU a scatter-add. On a GPU, `index_add_` adds with atomics, in an order that changes
    from run to run; the product one_hot(ids)^T rows gives the same sums in a fixed order.
    """
    if rows.is_cuda:
        return torch.nn.functional.one_hot(ids, like.shape[0]).to(rows.dtype).T @ rows
    return torch.zeros_like(like).index_add_(0, ids, rows)


class Recurrence(torch.autograd.Function):
    """H_t = phi(W_xh[x_t] + b_h + H_{t-1} W_hh) for t = 1..T; returns all H_t, (T, B, d_h).

    ids: (T, B) token ids; W_xh: (V, d_h); b_h: (d_h,); H0: (B, d_h); W_hh: (d_h, d_h); phi: tanh or relu.
    """

    @staticmethod
    def forward(ctx, ids, W_xh, b_h, H0, W_hh, relu: bool = False):
        flat_ids = ids.reshape(-1)
        H_all = W_xh.index_select(0, flat_ids).add_(b_h).view(*ids.shape, -1)
        H = H0
        for t in range(H_all.shape[0]):  # step t in place: H_all[t] += H_{t-1} W_hh, then phi
            H = H_all[t].addmm_(H, W_hh)
            torch.relu_(H) if relu else torch.tanh_(H)
        ctx.relu = relu
        ctx.save_for_backward(flat_ids, W_xh, H0, W_hh, H_all)
        return H_all

    @staticmethod
    def backward(ctx, grad_H_all):
        flat_ids, W_xh, H0, W_hh, H_all = ctx.saved_tensors
        # phi' at each step, written through the output: 1 - H^2 for tanh, [H > 0] for relu.
        slope = (H_all > 0).to(H_all.dtype) if ctx.relu else 1 - H_all * H_all
        # grad_A[t] starts as the gradient reaching H_t from the outputs; the loop adds what
        # reaches it through H_{t+1}, then multiplies by phi' to get the pre-activation gradient.
        grad_A = grad_H_all.clone()
        W_hh_T = W_hh.T.contiguous()
        for t in range(H_all.shape[0] - 1, 0, -1):
            grad_A[t].mul_(slope[t])
            grad_A[t - 1].addmm_(grad_A[t], W_hh_T)
        grad_A[0].mul_(slope[0])
        flat_grad_A = grad_A.flatten(0, 1)
        grad_W_xh = grad_b_h = grad_H0 = grad_W_hh = None
        if ctx.needs_input_grad[1]:
            grad_W_xh = _sum_rows_by_id(flat_grad_A, flat_ids, W_xh)
        if ctx.needs_input_grad[2]:
            grad_b_h = flat_grad_A.sum(0)
        if ctx.needs_input_grad[3]:
            grad_H0 = grad_A[0] @ W_hh_T
        if ctx.needs_input_grad[4]:
            # sum_t H_{t-1}^T grad_A[t]: steps 2..T in one matrix multiply, step 1 added on.
            grad_W_hh = torch.addmm(H0.T @ grad_A[0], H_all[:-1].flatten(0, 1).T, flat_grad_A[H0.shape[0]:])
        return None, grad_W_xh, grad_b_h, grad_H0, grad_W_hh, None


def rnn_forward(
    inputs: torch.Tensor,
    state: torch.Tensor,
    W_xh: torch.Tensor,
    W_hh: torch.Tensor,
    b_h: torch.Tensor,
    W_hq: torch.Tensor,
    b_q: torch.Tensor,
    relu: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (steps * batch, vocab), time-major, and the final state, as `RNNScratch.forward`."""
    H_all = Recurrence.apply(inputs.T.long(), W_xh, b_h, state, W_hh, relu)
    logits = torch.addmm(b_q, H_all.flatten(0, 1), W_hq)
    return logits, H_all[-1]
