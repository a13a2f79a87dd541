import json

import pytest

from charrnn import bench


def test_flops_per_token_for_the_classic_hidden_512():
    assert bench.flops_per_token(512, 28) == pytest.approx(1.66e6, rel=0.01)


def test_throughput_reports_every_variant_and_the_same_learning_on_both_paths():
    result = bench.throughput(num_epochs=1)
    for name in ("reference_scratch", "fast_scratch", "reference_concise", "fast_concise"):
        assert result[name]["tokens_per_s"] > 0
    # Same seed, same batches, same maths: the fast path learns exactly what the reference does.
    assert result["fast_scratch"]["train_ppl"] == pytest.approx(result["reference_scratch"]["train_ppl"], rel=1e-4)
    assert result["fast_concise"]["train_ppl"] == pytest.approx(result["reference_concise"]["train_ppl"], rel=1e-4)
    assert result["ratio_scratch"] == result["fast_scratch"]["tokens_per_s"] / result["reference_scratch"]["tokens_per_s"]
    assert result["bound_tokens_per_s"] == pytest.approx(result["gemm_gflops"] * 1e9 / result["flops_per_token"])


def test_quality_on_a_short_recipe_reports_the_ngram_baseline():
    recipe = dict(bench.QUALITY_RECIPE, num_hiddens=32, num_epochs=1)
    result = bench.quality(recipe)
    assert 1 < result["val_ppl"] < 28 and result["seconds"] > 0
    assert result["best_ngram_n"] == 5 and result["best_ngram_val_ppl"] == pytest.approx(4.50, abs=0.01)


def test_command_line_json_and_bad_epochs(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--epochs", "0"])
    assert "--epochs must be a positive integer, got 0" in capsys.readouterr().err
    bench.main(["--epochs", "1", "--json"])
    assert set(json.loads(capsys.readouterr().out)) >= {"ratio_scratch", "ratio_concise", "gemm_gflops", "bound_tokens_per_s"}
