"""Issue 22's fair comparison, first pass: vanilla RNNs widened to the GRU's and the LSTM's
parameter counts (d_h = 128 gated), peak learning rates chosen on the development slice (seed 0),
3 seeds each, scored on the same test tokens, paired block bootstrap against the gated cells."""

import math
import time

import charrnn
from charrnn import ladder

slices = ladder.book_slices()
V = len(slices.vocab)


def params(cell, h):
    G = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    return G * (h * V + h * h + 2 * h) + h * V + V


for cell in ("GRU", "LSTM"):
    target = params(cell, 128)
    width = min(range(128, 400), key=lambda h: abs(params("RNN", h) - target))
    print(f"{cell} at 128: {target:,} parameters; RNN at {width}: {params('RNN', width):,}", flush=True)

widths = {"GRU": min(range(128, 400), key=lambda h: abs(params("RNN", h) - params("GRU", 128))),
          "LSTM": min(range(128, 400), key=lambda h: abs(params("RNN", h) - params("LSTM", 128)))}
start = time.perf_counter()
best = {}
for name, width in widths.items():
    scores = {}
    for lr in (0.005, 0.01, 0.02, 0.04):
        try:
            net, _ = ladder.train_recurrent("RNN", slices, 0, width, lr)
            scores[lr] = ladder.stream_perplexity(net, slices.dev)
        except charrnn.training.DivergenceError:
            scores[lr] = math.inf
        print(f"RNN {width}: lr {lr}: dev {scores[lr]:.3f}  ({time.perf_counter() - start:.0f} s)", flush=True)
    best[width] = min(scores, key=scores.get)

losses = {}
for width, lr in best.items():
    losses[f"RNN {width}"] = [ladder.stream_losses(ladder.train_recurrent("RNN", slices, s, width, lr)[0], slices.test)
                              for s in range(3)]
for cell in ("RNN", "GRU", "LSTM"):
    recipe = ladder.RECIPES[cell]
    losses[f"{cell} 128"] = [ladder.stream_losses(
        ladder.train_recurrent(cell, slices, s, recipe["num_hiddens"], recipe["lr"])[0], slices.test) for s in range(3)]
    print(f"trained {cell} 128 ({time.perf_counter() - start:.0f} s)", flush=True)
for name, runs in losses.items():
    ppls = [math.exp(r.mean().item()) for r in runs]
    print(f"{name:<10} test perplexity {sum(ppls) / 3:.3f} (seeds {min(ppls):.3f} to {max(ppls):.3f})")
for a, b in [("GRU 128", f"RNN {widths['GRU']}"), ("LSTM 128", f"RNN {widths['LSTM']}"),
             (f"RNN {widths['LSTM']}", "RNN 128"), ("LSTM 128", "GRU 128")]:
    interval = ladder.paired_bootstrap(losses[a], losses[b])
    print(f"{a} vs {b}: PPL ratio - 1 in [{math.expm1(interval.low):+.1%}, {math.expm1(interval.high):+.1%}]"
          f" -> {interval.verdict()}")
print(f"total {time.perf_counter() - start:.0f} s")
