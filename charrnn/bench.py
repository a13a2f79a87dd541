"""Benchmarks that print figures: training throughput against the classic recipe, and time to a
held-out perplexity.

    python -m charrnn.bench [--epochs N] [--json]     # throughput: reference against fast paths
    python -m charrnn.bench --quality [--json]        # the best vanilla-RNN recipe, whole book

Throughput uses the classic setting of chapters 4 and 5: the first 10,000 characters, batches of
32 x 35, SGD with learning rate 1, global-norm clipping at 1. Every model starts from the same
seed and sees the same batches, and the runs are interleaved epoch by epoch, so that a machine
that speeds up or slows down during the benchmark affects all of them alike.
"""

import argparse
import json
import time

import torch
from torch import nn

from .batches import load_data, load_data_time_machine
from .models import RNNModel, RNNScratch
from .ngrams import heldout_perplexity
from .train import make_optimizer, perplexity, train, train_epoch

GEMM_SHAPE = (32, 512, 512)


def gemm_gflops(repeats: int = 200) -> float:
    """Throughput of one float32 (32 x 512) @ (512 x 512) matrix multiply, the recurrence's shape."""
    m, k, n = GEMM_SHAPE
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(20):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * m * k * n * repeats / (time.perf_counter() - start) / 1e9


def flops_per_token(num_hiddens: int, vocab_size: int) -> float:
    """Forward and backward FLOPs per token: 3 x (2h^2 for the recurrence + 2hV for the output
    layer). The input product is a row lookup (chapter 3), so it costs nothing."""
    return 3 * (2 * num_hiddens**2 + 2 * num_hiddens * vocab_size)


def throughput(num_epochs: int) -> dict:
    """Train the four variants interleaved and report tokens/s and final training perplexity."""
    _, vocab = load_data_time_machine(32, 35)
    V = len(vocab)
    variants = {
        "reference_scratch": lambda: RNNScratch(V, 512),
        "fast_scratch": lambda: RNNScratch(V, 512, fast=True),
        "reference_concise": lambda: RNNModel(nn.RNN(V, 256), V),
        "fast_concise": lambda: RNNModel(nn.RNN(V, 256), V, fast=True),
    }
    runs = {}
    for name, make in variants.items():
        torch.manual_seed(0)
        net = make()
        loader, _ = load_data_time_machine(32, 35, seed=0)
        runs[name] = {"net": net, "loader": loader, "optimizer": make_optimizer(net, "sgd", 1.0), "tokens": 0, "seconds": 0.0}
    for epoch in range(num_epochs + 1):  # epoch 0 warms up and is not counted
        for run in runs.values():
            start = time.perf_counter()
            stats = train_epoch(run["net"], run["loader"], run["optimizer"], "cpu", theta=1.0)
            seconds = time.perf_counter() - start
            run["train_ppl"] = stats.perplexity
            if epoch > 0:
                run["tokens"] += stats.tokens_per_s * seconds
                run["seconds"] += seconds
    result = {name: {"tokens_per_s": run["tokens"] / run["seconds"], "train_ppl": run["train_ppl"]} for name, run in runs.items()}
    result["ratio_scratch"] = result["fast_scratch"]["tokens_per_s"] / result["reference_scratch"]["tokens_per_s"]
    result["ratio_concise"] = result["fast_concise"]["tokens_per_s"] / result["reference_concise"]["tokens_per_s"]
    result["gemm_gflops"] = gemm_gflops()
    result["flops_per_token"] = flops_per_token(512, V)
    result["bound_tokens_per_s"] = result["gemm_gflops"] * 1e9 / result["flops_per_token"]
    result["epochs"] = num_epochs
    result["threads"] = torch.get_num_threads()
    return result


# The book's best vanilla-RNN recipe for the whole book (chapter 6): one nn.RNN layer through the
# fast path, windows of 64 steps, Adam with a one-cycle schedule peaking at 0.01, clipping at 1,
# 20 epochs. Found by a small search on this machine: a higher peak (0.015, 0.02) diverges,
# a lower one or a constant rate ends higher; 512 units, dropout and weight decay did worse.
QUALITY_RECIPE = {"num_hiddens": 256, "batch_size": 32, "num_steps": 64, "lr": 1e-2, "lr_schedule": "onecycle",
                  "num_epochs": 20, "theta": 1.0}


def best_ngram_perplexity(train_ids: list[int], heldout_ids: list[int], vocab_size: int) -> tuple[int, float]:
    """The best of chapter 1's add-k n-grams, n = 1..6, on the held-out text: (n, perplexity)."""
    scores = {n: heldout_perplexity(train_ids, heldout_ids, n, vocab_size)[1] for n in range(1, 7)}
    best = min(scores, key=scores.get)
    return best, scores[best]


def quality(recipe: dict = QUALITY_RECIPE) -> dict:
    """Train the recipe on the whole book less its last 10 % and score that held-out tail."""
    data = load_data(batch_size=recipe["batch_size"], num_steps=recipe["num_steps"], val_fraction=0.1)
    V = len(data.vocab)
    torch.manual_seed(0)
    net = RNNModel(nn.RNN(V, recipe["num_hiddens"]), V, fast=True)
    start = time.perf_counter()
    train(net, data.train, data.vocab, recipe["lr"], recipe["num_epochs"], "cpu", theta=recipe["theta"],
          optimizer="adam", lr_schedule=recipe["lr_schedule"], progress=False)
    seconds = time.perf_counter() - start
    val_ppl = perplexity(net, data.val)
    n, ngram_ppl = best_ngram_perplexity(data.train.corpus.tolist(), data.val.corpus.tolist(), V)
    return {"val_ppl": val_ppl, "seconds": seconds, "best_ngram_val_ppl": ngram_ppl, "best_ngram_n": n,
            "recipe": recipe, "threads": torch.get_num_threads()}


def print_table(result: dict) -> None:
    if "val_ppl" in result:
        print(f"held-out perplexity {result['val_ppl']:.2f} after {result['seconds']:.0f} s of training "
              f"(best n-gram: the {result['best_ngram_n']}-gram, {result['best_ngram_val_ppl']:.2f})")
        print("recipe:", ", ".join(f"{k}={v}" for k, v in result["recipe"].items()))
        return
    print(f"{'variant':<20} {'tokens/s':>10} {'train ppl':>10}")
    for name in ("reference_scratch", "fast_scratch", "reference_concise", "fast_concise"):
        print(f"{name:<20} {result[name]['tokens_per_s']:>10,.0f} {result[name]['train_ppl']:>10.2f}")
    print(f"fast / reference: scratch {result['ratio_scratch']:.2f}x, concise {result['ratio_concise']:.2f}x")
    print(f"GEMM 32x512x512: {result['gemm_gflops']:.0f} GFLOP/s; at {result['flops_per_token'] / 1e6:.2f} MFLOP per "
          f"token that bounds hidden-512 training at {result['bound_tokens_per_s']:,.0f} tokens/s")
    print(f"({result['epochs']} epochs each, {result['threads']} threads)")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m charrnn.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=40, help="counted epochs per variant (default 40, about a minute)")
    parser.add_argument("--quality", action="store_true", help="time to a held-out perplexity instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.epochs <= 0:
        parser.error(f"--epochs must be a positive integer, got {args.epochs}")
    result = quality() if args.quality else throughput(args.epochs)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return result


if __name__ == "__main__":
    main()
