import json
import os

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench  # noqa: E402


def test_flops_per_token_for_the_classic_hidden_512():
    assert bench.flops_per_token(512, 28) == pytest.approx(1.66e6, rel=0.01)


@pytest.mark.slow
def test_throughput_reports_every_variant_and_the_same_learning_on_both_paths():
    result = bench.throughput(num_epochs=1)
    for name in ("reference_scratch", "fast_scratch", "reference_concise", "fast_concise"):
        assert result[name]["tokens_per_s"] > 0
    # Same seed, same batches, same maths: the fast path learns exactly what the reference does.
    assert result["fast_scratch"]["train_ppl"] == pytest.approx(result["reference_scratch"]["train_ppl"], rel=1e-4)
    assert result["fast_concise"]["train_ppl"] == pytest.approx(result["reference_concise"]["train_ppl"], rel=1e-4)
    assert result["ratio_scratch"] == result["fast_scratch"]["tokens_per_s"] / result["reference_scratch"]["tokens_per_s"]
    assert result["bound_tokens_per_s"] == pytest.approx(result["gemm_gflops"] * 1e9 / result["flops_per_token"])


@pytest.mark.slow
def test_quality_runs_the_ladder_on_a_short_recipe(capsys):
    result = bench.quality({"GRU": {"num_hiddens": 16, "lr": 1e-2}}, seeds=(0, 1), num_epochs=1)
    models = result["models"]
    assert list(models) == ["add-k 5-gram (k=0.03)", "Kneser-Ney 6-gram", "GRU, hidden 16, peak lr 0.01"]
    gru = models["GRU, hidden 16, peak lr 0.01"]
    assert len(gru["test_ppl"]) == 2 and gru["test_ppl"][0] != gru["test_ppl"][1], "two seeds, two runs"
    assert all(1 < ppl < 28 for ppl in gru["test_ppl"]) and min(gru["seconds"]) > 0
    assert models["Kneser-Ney 6-gram"]["test_ppl"][0] < models["add-k 5-gram (k=0.03)"]["test_ppl"][0]
    bench.print_table(result)
    assert "bits/char" in capsys.readouterr().out


@pytest.mark.slow
def test_command_line_json_and_bad_epochs(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--epochs", "0"])
    assert "--epochs must be a positive integer, got 0" in capsys.readouterr().err
    bench.main(["--epochs", "1", "--json"])
    assert set(json.loads(capsys.readouterr().out)) >= {"ratio_scratch", "ratio_concise", "gemm_gflops", "bound_tokens_per_s"}


def test_page_benchmark_times_the_trainer_in_chromium_and_pytorch_on_one_thread(capsys):
    try:
        bench.chromium_path()
    except SystemExit as no_chromium:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(no_chromium))
    result = bench.page(steps=3, cells=("rnn", "lstm"))
    assert result["shape"] == {"num_hiddens": 128, "batch_size": 32, "num_steps": 35}
    assert list(result["cells"]) == ["rnn", "lstm"] and result["browser"].split(".")[0].isdigit()
    for figures in result["cells"].values():
        for name in ("wasm", "plain", "torch_float32"):
            assert figures[f"{name}_tokens_per_s"] > 0
        assert figures["wasm_ratio_to_torch"] == figures["wasm_tokens_per_s"] / figures["torch_float32_tokens_per_s"]
        assert figures["wasm_over_plain"] == figures["wasm_tokens_per_s"] / figures["plain_tokens_per_s"]
    assert result["flops_per_token"] == pytest.approx(120e3, rel=0.01)  # the 120 kFLOP per token
    bench.print_table(result)
    out = capsys.readouterr().out
    assert "WebAssembly" in out and "\nLSTM " in out and "\nRNN " in out


def test_command_line_refuses_two_benchmarks_at_once(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--quality", "--page"])
    assert "choose one of --quality, --equal-time and --page" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--equal-time", "--quality"])
    assert "choose one of" in capsys.readouterr().err
