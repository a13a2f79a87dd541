import base64
import json

import pytest
import torch
from torch import nn

import charrnn
from charrnn import units
from charrnn.live import UnitHeatmap


@pytest.fixture(scope="module")
def data():
    return charrnn.load_data("Hello 'there', she said.\nIt's a fine day.\n" * 20, batch_size=2, num_steps=8, clean=False)


def test_features_of_a_known_text():
    text = "I said 'don't go,' and\nwent"
    f = units.text_features(text)
    assert f["space"].tolist() == [float(c == " ") for c in text]
    assert f["vowel"][:3].tolist() == [1, 0, 0] and f["vowel"][text.index("a")] == 1
    assert f["position in word"][2:7].tolist() == [1, 2, 3, 4, 0]
    assert f["position in line"][text.index("\n")] == 0 and f["position in line"][-1] == 4
    quoted = "".join(c for c, q in zip(text, f["inside quotes"]) if q)
    assert quoted == "'don't go,'"  # the apostrophe of don't neither opens nor closes


def test_a_plural_possessive_does_not_close_a_quote():
    text = "'The Morlocks' food was near,' he said."
    quoted = "".join(c for c, q in zip(text, units.inside_quotes(text)) if q)
    assert quoted == "'The Morlocks' food was near,'"


def test_a_quote_left_open_runs_on_into_the_next_paragraph():
    text = "'So I went.\n\n'And then"
    assert units.inside_quotes(text).tolist() == [1.0] * len(text)


def test_hidden_states_are_the_states_after_each_character(data):
    torch.manual_seed(0)
    net = charrnn.RNNScratch(len(data.vocab), 6)
    text = "Hello there"
    states = units.hidden_states(net, text, data.vocab)
    assert states.shape == (len(text), 6) and states.dtype == torch.float32
    _, last = net(torch.tensor([data.vocab[list(text)]]), net.begin_state(1))
    torch.testing.assert_close(states[-1], last[0])


@pytest.mark.parametrize("cell", [nn.RNN, nn.GRU, nn.LSTM])
def test_hidden_states_of_the_last_layer_of_any_cell(data, cell):
    net = charrnn.RNNModel(cell(len(data.vocab), 5, num_layers=2), len(data.vocab))
    text = "Hello"
    states = units.hidden_states(net, text, data.vocab)
    assert states.shape == (len(text), 5)
    for t in range(len(text)):
        _, state = net(torch.tensor([data.vocab[list(text[: t + 1])]]), net.begin_state(1))
        H = state[0] if cell is nn.LSTM else state  # (layers, batch, hidden); an LSTM's state is (H, C)
        torch.testing.assert_close(states[t], H[-1, 0], msg=f"row {t}: the last layer after {text[: t + 1]!r}")


def test_lstm_states_are_the_hidden_and_cell_states_after_each_character(data):
    torch.manual_seed(0)
    net = charrnn.RNNModel(nn.LSTM(len(data.vocab), 5), len(data.vocab))
    text = "Hello 'there'"
    H, C = units.lstm_states(net, text, data.vocab)
    assert H.shape == C.shape == (len(text), 5) and C.dtype == torch.float32
    torch.testing.assert_close(H, units.hidden_states(net, text, data.vocab))
    # the nn.LSTM itself, stepped one character at a time
    h, c = torch.zeros(1, 1, 5), torch.zeros(1, 1, 5)
    with torch.no_grad():
        for t, token in enumerate(data.vocab[list(text)]):
            x = nn.functional.one_hot(torch.tensor([[token]]), len(data.vocab)).float()
            _, (h, c) = net.rnn(x, (h, c))
            torch.testing.assert_close(C[t], c[0, 0], msg=f"cell state after {text[: t + 1]!r}")
            torch.testing.assert_close(H[t], h[0, 0])
    assert not torch.allclose(H, C)  # h = u * tanh(c): another quantity


@pytest.mark.parametrize(
    "make",
    [
        lambda v: charrnn.RNNScratch(v, 4),
        lambda v: charrnn.RNNModel(nn.GRU(v, 4), v),
        lambda v: charrnn.RNNModel(nn.LSTM(v, 4, num_layers=2), v),
    ],
    ids=["scratch", "gru", "two-layer-lstm"],
)
def test_lstm_states_refuse_other_models(data, make):
    with pytest.raises(ValueError, match="net must have a one-layer, one-direction nn.LSTM"):
        units.lstm_states(make(len(data.vocab)), "Hello", data.vocab)


def test_hidden_states_refuse_unknown_characters(data):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        units.hidden_states(charrnn.RNNScratch(len(data.vocab), 4), "Hello?", data.vocab)


def test_correlations_find_the_unit_that_copies_a_feature():
    torch.manual_seed(0)
    feature = torch.rand(500)
    states = torch.randn(500, 8) * 0.1
    states[:, 5] = -2 * feature + 0.01 * torch.randn(500)
    states[:, 2] = 0.3  # constant: r is 0, not nan
    r = units.correlations(states, feature)
    assert r[2] == 0 and r[5] < -0.99 and r.abs().max() == r[5].abs()
    assert units.find_units(states, {"f": feature}) == [units.UnitMatch("f", 5, pytest.approx(float(r[5])))]


def test_find_units_checks_shapes():
    with pytest.raises(ValueError, match="3 values for 4 characters"):
        units.find_units(torch.zeros(4, 2), {"f": torch.zeros(3)})
    with pytest.raises(ValueError, match="characters, units"):
        units.find_units(torch.zeros(4), {"f": torch.zeros(4)})


def test_unit_heatmap_embeds_int8_activations_and_found_units():
    states = torch.tensor([[0.5, -1.2], [0.0, 1.0], [-0.25, 0.9]])
    panel = UnitHeatmap("ab\n", states, [units.UnitMatch("space", 1, 0.42)])._repr_html_()
    data = json.loads(panel.split('class="charrnn-data">', 1)[1].split("</script>", 1)[0])
    assert data["text"] == "ab\n" and data["num_units"] == 2
    assert data["matches"] == [{"feature": "space", "unit": 1, "r": 0.42}]
    assert list(base64.b64decode(data["activations"])) == [64, 129, 0, 127, 224, 114]  # int8 as bytes
    assert 'data-unit="1"' in panel and "charrnn.mountUnitHeatmap" in panel


def test_unit_heatmap_checks_its_input():
    with pytest.raises(ValueError, match="len\\(text\\)=2"):
        UnitHeatmap("ab", torch.zeros(3, 4))
    with pytest.raises(ValueError, match="outside 0..3"):
        UnitHeatmap("ab", torch.zeros(2, 4), [units.UnitMatch("space", 4, 0.1)])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_hidden_states_of_a_model_on_cuda_come_back_on_the_cpu_as_on_the_cpu(data):
    torch.manual_seed(0)
    net = charrnn.RNNScratch(len(data.vocab), 16)
    on_cpu = units.hidden_states(net, "Hello there", data.vocab)
    on_gpu = units.hidden_states(net.cuda(), "Hello there", data.vocab)
    assert on_gpu.device.type == "cpu", "what the chapters compute with the features, on the CPU"
    torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-5, atol=1e-6)
