import json
import re
import os
import subprocess
from pathlib import Path

import pytest
import torch
from torch import nn

import charrnn
from charrnn import export, live, pages
from charrnn.sampling import encode_prefix
import nodejs  # scripts/nodejs.py, on the path from conftest.py

NODE = nodejs.find("node")
needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason=nodejs.MISSING)
SAMPLER_PANEL = Path(__file__).with_name("sampler_panel.js")
# Lower case only, and characters that break the page if written into it as markup.
MARKUP_VOCAB = charrnn.Vocab(list("a <b&\n"))


@pytest.fixture(scope="module")
def data():
    return charrnn.load_data(batch_size=4, num_steps=8, max_tokens=3000)


def scratch(vocab, hidden=16, seed=1):
    torch.manual_seed(seed)
    return charrnn.RNNScratch(len(vocab), hidden, omega=0.5)  # large weights: peaked, varied distributions


def test_export_then_load_gives_the_same_weights_and_vocab(data):
    net = scratch(data.vocab)
    loaded, vocab = export.load_exported(json.loads(json.dumps(export.export_weights(net, data.vocab))))
    for name in export.PARAMETERS:
        assert torch.equal(getattr(loaded, name), getattr(net, name)), name
    assert vocab.idx_to_token == data.vocab.idx_to_token
    assert vocab["t"] == data.vocab["t"]


def test_an_nn_rnn_model_exports_as_the_same_function(data):
    V = len(data.vocab)
    torch.manual_seed(0)
    net = charrnn.RNNModel(nn.RNN(V, 12, nonlinearity="relu"), V)
    loaded, vocab = export.load_exported(export.export_weights(net, data.vocab))
    assert loaded.nonlinearity == "relu"
    torch.testing.assert_close(export.next_char_probabilities("the time", loaded, vocab),
                               export.next_char_probabilities("the time", net, data.vocab), rtol=0, atol=1e-6)


@pytest.mark.parametrize("layer", [nn.GRU(28, 8), nn.RNN(28, 8, num_layers=2), nn.RNN(28, 8, bidirectional=True)])
def test_only_a_one_layer_vanilla_rnn_exports(data, layer):
    with pytest.raises(TypeError, match="one-layer, one-direction vanilla RNN"):
        export.export_weights(charrnn.RNNModel(layer, 28), data.vocab)


def test_next_char_probabilities_are_what_sample_draws_from(data):
    net = scratch(data.vocab)
    probs = export.next_char_probabilities("the tim", net, data.vocab, temperature=0.5)
    assert probs.dtype == torch.float64 and probs[data.vocab.unk] == 0
    assert probs.sum().item() == pytest.approx(1.0, abs=1e-12)
    draws = [charrnn.sample("the tim", 1, net, data.vocab, temperature=0.5,
                            generator=torch.Generator().manual_seed(seed))[-1] for seed in range(400)]
    most_likely = data.vocab.to_tokens(int(probs.argmax()))
    assert draws.count(most_likely) / 400 == pytest.approx(probs.max().item(), abs=0.08)


def test_next_char_probabilities_refuse_unknown_characters(data):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        export.next_char_probabilities("the Tim", scratch(data.vocab), data.vocab)


def test_sampler_panel_embeds_script_and_weights(data):
    net = scratch(data.vocab)
    page = live.LiveSampler(net, data.vocab, prefix="the time")._repr_html_()
    assert pages.script_block("sampler") in page and "charrnn.mountSampler" in page
    weights = page.split('class="charrnn-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(weights) == export.export_weights(net, data.vocab)
    assert page == live.LiveSampler(net, data.vocab, prefix="the time")._repr_html_()  # stable, for nbval


def test_sampler_refuses_a_prefix_it_cannot_read(data):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        live.LiveSampler(scratch(data.vocab), data.vocab, prefix="Time!")


@needs_node
def test_javascript_forward_pass_matches_pytorch(data, tmp_path):
    net = scratch(data.vocab)
    (tmp_path / "weights.json").write_text(json.dumps(export.export_weights(net, data.vocab)))
    script = f"""
        globalThis.window = globalThis;
        for (const file of {json.dumps(pages.BUNDLES["sampler"])})
            eval(require("fs").readFileSync({json.dumps(str(pages.JS))} + "/" + file, "utf8"));
        const model = charrnn.RNN.fromExported(JSON.parse(require("fs").readFileSync({json.dumps(str(tmp_path / "weights.json"))}, "utf8")));
        console.log(JSON.stringify({{
            probs: model.nextProbabilities("the time trav", 0.7),
            sample: model.sample("the time", 60, 0.8, charrnn.seededRandom(3)),
            again: model.sample("the time", 60, 0.8, charrnn.seededRandom(3)),
            unknown: model.unknown("The time!"),
        }}));
    """
    result = json.loads(subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True).stdout)
    expected = export.next_char_probabilities("the time trav", net, data.vocab, temperature=0.7)
    assert torch.tensor(result["probs"], dtype=torch.float64).sub(expected).abs().max() < 1e-5
    assert result["sample"] == result["again"] and result["sample"].startswith("the time")
    assert len(result["sample"]) == 68 and "<unk>" not in result["sample"]
    assert set(result["sample"]) <= set(data.vocab.idx_to_token)
    assert result["unknown"] == ["!", "T"]  # sorted, as charrnn.sample lists them


def typed_into_panel(net, vocab, prefixes, tmp_path):
    """What the sampler panel shows after each prefix is typed into it (see sampler_panel.js)."""
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps(export.export_weights(net, vocab)))
    result = subprocess.run([NODE, str(SAMPLER_PANEL), str(weights), *prefixes], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_node
def test_sampler_panel_labels_its_bars_with_text_not_markup(tmp_path):
    net = scratch(MARKUP_VOCAB)
    [shown] = typed_into_panel(net, MARKUP_VOCAB, ["a<b&"], tmp_path)
    assert not shown["error"] and shown["sample"].startswith("a<b&")
    assert all(len(row) == 3 for row in shown["bars"]), "each bar is a label, a bar and a percentage, as nodes"
    percent_by_label = {label: float(percent.removesuffix(" %")) for label, _, percent in shown["bars"]}
    probs = export.next_char_probabilities("a<b&", net, MARKUP_VOCAB)
    as_in_plots = {" ": "␣", "\n": "⏎"}  # how charrnn.plots shows these characters
    expected = {as_in_plots.get(token, token): 100 * p for token, p in zip(MARKUP_VOCAB.idx_to_token, probs.tolist())}
    assert percent_by_label == pytest.approx(expected, abs=0.051)  # all 7 tokens, "<unk>" included


def refused_by_charrnn_sample(prefix):
    try:
        encode_prefix(prefix, MARKUP_VOCAB)
    except ValueError:
        return True
    return False


@needs_node
def test_sampler_panel_refuses_the_prefixes_that_charrnn_sample_refuses(tmp_path):
    prefixes = ["a b", "A b", "ab!?", "a\nB<", ""]
    panel = typed_into_panel(scratch(MARKUP_VOCAB), MARKUP_VOCAB, prefixes, tmp_path)
    for prefix, shown in zip(prefixes, panel, strict=True):
        assert shown["error"] == refused_by_charrnn_sample(prefix), prefix
        missing = sorted(set(prefix) - set(MARKUP_VOCAB.idx_to_token))
        if missing:  # named as charrnn.sample names them: ['A'] there, ["A"] here
            named = json.dumps(missing, separators=(",", ":"), ensure_ascii=False)  # as JSON.stringify writes it
            assert f"not in the vocabulary: {named}" in shown["sample"], shown["sample"]
            assert shown["bars"] == []


def trainer_data(page):
    return json.loads(page.split('class="charrnn-data">', 1)[1].split("</script>", 1)[0])


def test_trainer_panel_embeds_the_book_the_worker_and_its_settings():
    page = live.LiveTrainer(hidden_sizes=(8, 64), lr=0.02, num_steps=20, batch_size=16)._repr_html_()
    data = trainer_data(page)
    assert data["text"] == " ".join(charrnn.read_time_machine())  # the text the chapters train on
    assert pages.script_block("trainer") in page and "worker" not in data
    assert pages.script_block("trainer-worker", runs=False) in page
    assert data["runs"] == [{"cell": "rnn", "hidden": 8}, {"cell": "rnn", "hidden": 64}]
    raced = trainer_data(live.LiveTrainer(hidden_sizes=(264, 128), cells=("rnn", "lstm"))._repr_html_())
    assert raced["runs"] == [{"cell": "rnn", "hidden": 264}, {"cell": "lstm", "hidden": 128}]
    # Each run's cell is a named control with the three cells, the chosen one selected.
    assert page.count('<label>cell <select name="cell"><option value="rnn" selected>RNN</option>'
                      '<option value="gru">GRU</option><option value="lstm">LSTM</option></select></label>') == 2
    assert data["ranges"] == live.TRAINER_RANGES and data["maxHeldOut"] == live.MAX_HELD_OUT
    for name, value in [("hidden", 8), ("hidden", 64), ("lr", 0.02), ("numSteps", 20), ("batchSize", 16)]:
        assert f'name="{name}" type="number" min="{live.TRAINER_RANGES[name]["min"]}"' in page
        assert f'value="{value}"' in page, (name, value)
    assert page == live.LiveTrainer(hidden_sizes=(8, 64), lr=0.02, num_steps=20, batch_size=16)._repr_html_()


@pytest.mark.parametrize("arguments, message", [
    (dict(hidden_sizes=(16, 520)), "hidden size must be from 8 to 512, got 520"),
    (dict(hidden_sizes=(16,)), "hidden_sizes must be two sizes"),
    (dict(hidden_sizes=(16, 12.5)), "hidden size must be from 8 to 512, got 12.5"),
    (dict(cells=("rnn", "tanh")), "cells must be two of rnn, gru, lstm, one per run, got ('rnn', 'tanh')"),
    (dict(cells=("lstm",)), "cells must be two of rnn, gru, lstm"),
    (dict(lr=0), "learning rate must be from 0.0001 to 1, got 0"),
    (dict(lr=True), "learning rate must be from 0.0001 to 1, got True"),
    (dict(num_steps=101), "steps per window must be from 5 to 100, got 101"),
    (dict(batch_size="32"), "batch size must be from 1 to 64, got '32'"),
    (dict(prefix="Time"), "prefix 'Time' has characters The Time Machine lacks once cleaned: ['T']"),
    (dict(seed=-1), "seed"),
])
def test_trainer_panel_refuses_settings_outside_its_sliders(arguments, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        live.LiveTrainer(**arguments)
