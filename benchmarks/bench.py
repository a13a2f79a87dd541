"""Benchmarks that print figures: training throughput against the classic recipe, the quality
ladder of chapter 6 (test perplexity, mean and range over seeds, and seconds per training),
chapter 7's race at equal training time, and the in-page trainer's throughput for each cell in
headless Chromium, on WebAssembly SIMD and on the readable JavaScript, against PyTorch on one thread.

    python benchmarks/bench.py [--epochs N] [--json]  # throughput: reference against fast paths
    python benchmarks/bench.py --quality [--json]     # chapter 6's ladder: n-grams, RNN, GRU, LSTM
    python benchmarks/bench.py --equal-time [--json]  # chapter 7's race, the RNN given the GRU's time
    python benchmarks/bench.py --page [--json]        # the in-page trainer per cell (needs Chromium, playwright)

Throughput uses the classic setting of chapters 4 and 5: the first 10,000 characters, batches of
32 x 35, SGD with learning rate 1, global-norm clipping at 1. Every model starts from the same
seed and sees the same batches, and the runs are interleaved epoch by epoch, so that a machine
that speeds up or slows down during the benchmark affects all of them alike.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

from charrnn import ladder, pages
from charrnn.batches import load_data_time_machine
from charrnn.corpus import read_time_machine
from charrnn.models import RNNModel, RNNScratch
from charrnn.ngrams import KneserNeyModel, NgramModel, choose_add_k, choose_kneser_ney_order
from charrnn.training import grad_clipping, make_optimizer, train_epoch
from charrnn.vocab import Vocab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import chromium  # noqa: E402  (the one Chromium lookup, shared with the browser test)

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


def trained_runs(slices: ladder.Slices, cell: str, recipe: dict, seeds: tuple[int, ...],
                 num_epochs: int | None = None) -> tuple[list[float], list[torch.Tensor]]:
    """`cell` trained on the CPU from each seed under `recipe`: the seconds each training took, and
    each model's per-token losses on the test slice."""
    seconds, losses = [], []
    for seed in seeds:
        start = time.perf_counter()
        net, _ = ladder.train_recurrent(cell, slices, seed, **recipe, device="cpu", num_epochs=num_epochs)
        seconds.append(time.perf_counter() - start)
        losses.append(ladder.stream_losses(net, slices.test))
    return seconds, losses


def perplexities(losses: list[torch.Tensor]) -> list[float]:
    """The test perplexity of each run."""
    return [math.exp(float(loss.mean())) for loss in losses]


def quality(recipes: dict | None = None, seeds: tuple[int, ...] = (0, 1, 2), num_epochs: int | None = None) -> dict:
    """Chapter 6's ladder under `charrnn.ladder`'s protocol: the add-k and Kneser-Ney n-grams with
    their settings chosen on the development slice, and each recurrent recipe (default: the tuned
    `ladder.RECIPES`) trained from every seed; all scored on the same test tokens."""
    recipes = ladder.RECIPES if recipes is None else recipes
    slices = ladder.book_slices()
    V = len(slices.vocab)
    n, k, _ = choose_add_k(slices.fit, slices.dev, V)
    n_kn, _ = choose_kneser_ney_order(slices.fit, slices.dev, V)
    models = {
        f"add-k {n}-gram (k={k})": {"test_ppl": [ladder.stream_perplexity(NgramModel(slices.fit, n, V, k), slices.test)]},
        f"Kneser-Ney {n_kn}-gram": {"test_ppl": [ladder.stream_perplexity(KneserNeyModel(slices.fit, n_kn, V), slices.test)]},
    }
    for cell, recipe in recipes.items():
        seconds, losses = trained_runs(slices, cell, recipe, seeds, num_epochs)
        models[f"{cell}, hidden {recipe['num_hiddens']}, peak lr {recipe['lr']}"] = {
            "test_ppl": perplexities(losses), "seconds": seconds}
    return {"models": models, "seeds": list(seeds), "num_epochs": num_epochs or ladder.SHARED["num_epochs"],
            "threads": torch.get_num_threads()}


def equal_time(seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Chapter 7's race at equal training time on this machine: the GRU and the RNN with as many
    parameters as the LSTM (`ladder.WIDE_RECIPE`) are timed over the shared budget, then that RNN
    trains again for as many epochs as fit in the GRU's mean time (the one-cycle schedule stretched
    to match) and is scored against the GRU on the same test tokens."""
    slices = ladder.book_slices()
    runs = {"GRU": trained_runs(slices, "GRU", ladder.RECIPES["GRU"], seeds),
            "RNN": trained_runs(slices, "RNN", ladder.WIDE_RECIPE, seeds)}
    ratio = sum(runs["GRU"][0]) / sum(runs["RNN"][0])
    epochs = round(ladder.SHARED["num_epochs"] * ratio)
    name = f"RNN, {epochs} epochs"
    runs[name] = trained_runs(slices, "RNN", ladder.WIDE_RECIPE, seeds, epochs)
    gru_losses = runs["GRU"][1]
    intervals = {other: ladder.paired_bootstrap(gru_losses, runs[other][1]) for other in ("RNN", name)}
    return {
        "models": {key: {"test_ppl": perplexities(losses), "seconds": seconds}
                   for key, (seconds, losses) in runs.items()},
        "gru_vs": {key: [math.expm1(end) for end in interval] for key, interval in intervals.items()},
        "time_ratio": ratio, "seeds": list(seeds), "threads": torch.get_num_threads(),
    }


PAGE_SHAPE = {"num_hiddens": 128, "batch_size": 32, "num_steps": 35}

PAGE_BENCH_JS = Path(__file__).with_name("page_bench.js")


def chromium_path() -> str:
    """The Chromium the browser test uses; exits with what to install if there is none."""
    path = chromium.find()
    if path is None:
        raise SystemExit(chromium.MISSING)
    return path


PAGE_CELLS = ("rnn", "gru", "lstm")


def page_tokens_per_s(cells: tuple[str, ...], steps: int, warmup: int = 10) -> tuple[str, dict[tuple[str, str], float]]:
    """Characters per second of the in-page trainer's step in a Web Worker in headless Chromium,
    for each cell on both kernels: Chromium's version and {(cell, "wasm" or "plain"): tokens/s}.
    Each timing has a fresh worker. The readable kernels are several times slower, so they are
    timed on a fifth of the steps."""
    from playwright.sync_api import sync_playwright

    worker = pages.bundle(pages.BUNDLES["node"]) + "\n" + PAGE_BENCH_JS.read_text(encoding="utf-8")
    H, B, T = PAGE_SHAPE["num_hiddens"], PAGE_SHAPE["batch_size"], PAGE_SHAPE["num_steps"]
    text = " ".join(read_time_machine())
    result = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=chromium.ARGS)
        try:
            page = browser.new_page()
            version = browser.version
            for cell in cells:
                for kernels in ("wasm", "plain"):
                    timed = steps if kernels == "wasm" else max(1, steps // 5)
                    setting = {"text": text, "cell": cell, "kernels": kernels, "H": H, "B": B, "T": T,
                               "warmup": warmup if kernels == "wasm" else 2, "steps": timed}
                    seconds = page.evaluate("""([source, setting]) => new Promise((resolve, reject) => {
                        const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
                        const worker = new Worker(url);
                        worker.onmessage = ({ data }) => { worker.terminate(); resolve(data.seconds); };
                        worker.onerror = (event) => reject(new Error(event.message));
                        worker.postMessage(setting);
                    })""", [worker, setting])
                    result[cell, kernels] = timed * B * T / seconds
        finally:
            browser.close()
    return version, result


def torch_tokens_per_s(cell: str, steps: int, warmup: int = 10) -> float:
    """The same training step in PyTorch float32 on one thread, Adam, clipping at 1:
    `RNNScratch(fast=True)` for the RNN, `RNNModel` over `nn.GRU` or `nn.LSTM` for the gated cells."""
    text = " ".join(read_time_machine())
    vocab = Vocab(list(text))
    ids = torch.tensor(vocab[list(text)])
    H, B, T = PAGE_SHAPE["num_hiddens"], PAGE_SHAPE["batch_size"], PAGE_SHAPE["num_steps"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        if cell == "rnn":
            net = RNNScratch(len(vocab), H, fast=True)
        else:
            net = RNNModel({"gru": nn.GRU, "lstm": nn.LSTM}[cell](len(vocab), H), len(vocab))
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        for step in range(warmup + steps):
            if step == warmup:
                start = time.perf_counter()
            starts = torch.randint(len(ids) - T, (B,))
            batch = torch.stack([ids[s:s + T + 1] for s in starts])
            logits, _ = net(batch[:, :-1], net.begin_state(B))
            loss = nn.functional.cross_entropy(logits, batch[:, 1:].T.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            grad_clipping(net, 1.0)
            optimizer.step()
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)
    return steps * B * T / seconds


def page(steps: int, cells: tuple[str, ...] = PAGE_CELLS) -> dict:
    """The in-page trainer's throughput for each cell, on WebAssembly SIMD and on the readable
    JavaScript, against PyTorch float32 on one thread, at the panel's run-B shape."""
    browser, timed = page_tokens_per_s(cells, steps)
    result = {"shape": PAGE_SHAPE, "steps": steps, "browser": browser, "cells": {}}
    for cell in cells:
        torch32 = torch_tokens_per_s(cell, steps)
        result["cells"][cell] = {
            "wasm_tokens_per_s": timed[cell, "wasm"], "plain_tokens_per_s": timed[cell, "plain"],
            "torch_float32_tokens_per_s": torch32, "wasm_ratio_to_torch": timed[cell, "wasm"] / torch32,
            "wasm_over_plain": timed[cell, "wasm"] / timed[cell, "plain"],
        }
    result["flops_per_token"] = flops_per_token(PAGE_SHAPE["num_hiddens"], 28)
    return result


def print_equal_time(result: dict) -> None:
    print(f"GRU's training time / RNN's: {result['time_ratio']:.2f} ({result['threads']} threads)")
    for name, model in result["models"].items():
        ppl, seconds = model["test_ppl"], model["seconds"]
        print(f"{name:<16} test perplexity {sum(ppl) / len(ppl):.3f} (seeds {min(ppl):.3f} to {max(ppl):.3f}), "
              f"{sum(seconds) / len(seconds):.1f} s per training")
    for name, (low, high) in result["gru_vs"].items():
        print(f"GRU vs {name}: PPL ratio - 1 in [{low:+.1%}, {high:+.1%}]")


def print_table(result: dict) -> None:
    if "cells" in result:
        shape = result["shape"]
        print(f"hidden {shape['num_hiddens']}, batch {shape['batch_size']} x {shape['num_steps']} steps, "
              f"Adam, clipping at 1; {result['steps']} timed steps each; Chromium {result['browser']}, one Web Worker")
        print(f"{'cell':<6} {'WebAssembly':>12} {'readable JS':>12} {'PyTorch f32':>12} {'wasm / PyTorch':>15} "
              f"{'wasm / JS':>10}")
        for cell, figures in result["cells"].items():
            print(f"{cell.upper():<6} {figures['wasm_tokens_per_s']:>12,.0f} {figures['plain_tokens_per_s']:>12,.0f} "
                  f"{figures['torch_float32_tokens_per_s']:>12,.0f} {figures['wasm_ratio_to_torch']:>15.2f} "
                  f"{figures['wasm_over_plain']:>10.1f}")
        print("(tokens/s; WebAssembly SIMD in float32 and the readable JavaScript in float64, both in Chromium; "
              "PyTorch float32 on 1 thread)")
        return
    if "models" in result:
        print(f"{'model':<34} {'test ppl':>9} {'range':>15} {'bits/char':>9} {'s/training':>10}")
        for name, model in result["models"].items():
            values = model["test_ppl"]
            mean = sum(values) / len(values)
            spread = f"{min(values):.3f}-{max(values):.3f}" if len(values) > 1 else ""
            seconds = f"{sum(model['seconds']) / len(model['seconds']):.0f}" if "seconds" in model else ""
            print(f"{name:<34} {mean:>9.3f} {spread:>15} {math.log2(mean):>9.2f} {seconds:>10}")
        print(f"(seeds {result['seeds']}, {result['num_epochs']} epochs, {result['threads']} threads)")
        return
    print(f"{'variant':<20} {'tokens/s':>10} {'train ppl':>10}")
    for name in ("reference_scratch", "fast_scratch", "reference_concise", "fast_concise"):
        print(f"{name:<20} {result[name]['tokens_per_s']:>10,.0f} {result[name]['train_ppl']:>10.2f}")
    print(f"fast / reference: scratch {result['ratio_scratch']:.2f}x, concise {result['ratio_concise']:.2f}x")
    print(f"GEMM 32x512x512: {result['gemm_gflops']:.0f} GFLOP/s; at {result['flops_per_token'] / 1e6:.2f} MFLOP per "
          f"token that bounds hidden-512 training at {result['bound_tokens_per_s']:,.0f} tokens/s")
    print(f"({result['epochs']} epochs each, {result['threads']} threads)")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=40, help="counted epochs per variant (default 40, about a minute)")
    parser.add_argument("--quality", action="store_true", help="chapter 6's ladder instead (several minutes)")
    parser.add_argument("--equal-time", action="store_true", help="chapter 7's race at equal training time (minutes)")
    parser.add_argument("--page", action="store_true", help="the in-page trainer in headless Chromium, against PyTorch")
    parser.add_argument("--steps", type=int, default=100, help="timed training steps for --page (default 100)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.epochs <= 0:
        parser.error(f"--epochs must be a positive integer, got {args.epochs}")
    if args.steps <= 0:
        parser.error(f"--steps must be a positive integer, got {args.steps}")
    if args.quality + args.page + args.equal_time > 1:
        parser.error("choose one of --quality, --equal-time and --page")
    if args.equal_time:
        result = equal_time()
    else:
        result = quality() if args.quality else page(args.steps) if args.page else throughput(args.epochs)
    if args.json:
        print(json.dumps(result, indent=2))
    elif args.equal_time:
        print_equal_time(result)
    else:
        print_table(result)
    return result


if __name__ == "__main__":
    main()
