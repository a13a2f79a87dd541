import pytest
import torch
from torch import nn

from charrnn import RNNModel, RNNScratch, Vocab, predict, sample

VOCAB = Vocab(list("the time traveller was a man"))


@pytest.fixture
def net():
    torch.manual_seed(0)
    return RNNScratch(len(VOCAB), 16, omega=1.0)


def test_predict_extends_the_prefix_greedily(net):
    text = predict("the", 10, net, VOCAB, "cpu")
    assert text.startswith("the") and len(text) == 13
    assert "<unk>" not in text
    assert predict("the", 10, net, VOCAB, "cpu") == text


@pytest.mark.parametrize("make", [
    lambda: RNNScratch(len(VOCAB), 16, omega=1.0),
    lambda: RNNModel(nn.LSTM(len(VOCAB), 8), len(VOCAB)),  # its state is a tuple (H, C)
])
def test_warm_up_in_one_call_equals_one_step_at_a_time(make):
    net = make()
    ids = VOCAB[list("time t")]
    state = net.begin_state(1)
    for i in ids[:-1]:
        _, state = net(torch.tensor([[i]]), state)
    logits, _ = net(torch.tensor([[ids[-1]]]), state)
    assert predict("time t", 1, net, VOCAB)[-1] == VOCAB.to_tokens(int(logits.argmax()))


def test_sampling_with_a_seeded_generator_is_reproducible(net):
    draw = lambda seed: sample("the", 40, net, VOCAB, temperature=1.5, generator=torch.Generator().manual_seed(seed))
    assert draw(1) == draw(1)
    assert "<unk>" not in draw(3) and len(draw(3)) == 43
    assert draw(1) != draw(2)


def test_tiny_temperature_and_top_1_match_greedy(net):
    greedy = predict("time", 30, net, VOCAB)
    assert sample("time", 30, net, VOCAB, temperature=1e-6, generator=torch.Generator().manual_seed(0)) == greedy
    assert sample("time", 30, net, VOCAB, top_k=1, generator=torch.Generator().manual_seed(0)) == greedy


def test_top_k_only_draws_from_the_k_most_likely(net):
    generator = torch.Generator().manual_seed(0)
    state = net.begin_state(1)
    _, state = net(torch.tensor([VOCAB[list("tim")]]), state)
    logits, _ = net(torch.tensor([[VOCAB["e"]]]), state)
    top3 = set(VOCAB.to_tokens(torch.topk(logits[0], 3).indices))
    nexts = {sample("time", 1, net, VOCAB, temperature=5.0, top_k=3, generator=generator)[-1] for _ in range(200)}
    assert nexts <= top3 and len(nexts) > 1


@pytest.mark.parametrize("prefix, message", [
    ("", "prefix must be a non-empty string, got ''"),
    ("The", r"prefix 'The' has characters that are not in the vocabulary: \['T'\]"),
    ("time!?", r"not in the vocabulary: \['!', '\?'\]"),
])
def test_bad_prefix(net, prefix, message):
    with pytest.raises(ValueError, match=message):
        predict(prefix, 5, net, VOCAB)
    with pytest.raises(ValueError, match=message):
        sample(prefix, 5, net, VOCAB)


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0.0), "temperature must be a positive, finite number, got 0.0"),
    (dict(temperature=-1), "temperature must be a positive, finite number, got -1"),
    (dict(top_k=0), f"top_k must be an integer in 1..{len(VOCAB)} \\(the vocabulary size\\), got 0"),
    (dict(top_k=len(VOCAB) + 1), f"got {len(VOCAB) + 1}"),
    (dict(num_preds=0), "num_preds must be a positive integer, got 0"),
])
def test_bad_sampling_arguments(net, kwargs, message):
    args = dict(num_preds=5) | kwargs
    with pytest.raises(ValueError, match=message):
        sample("the", args.pop("num_preds"), net, VOCAB, **args)
