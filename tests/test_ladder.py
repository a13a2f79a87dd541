"""The ladder's protocol: three slices in reading order, and every model scored on the same tokens
of one stream, with one continuous state, in the vocabulary it was trained with."""

import math

import pytest
import torch
from torch import nn

import charrnn
from charrnn import ladder
from charrnn.ngrams import NgramModel


@pytest.fixture(scope="module")
def slices():
    return ladder.book_slices()


def test_the_slices_cut_the_book_in_order_80_10_10(slices):
    book = charrnn.load_data(batch_size=1, num_steps=1).train.corpus.tolist()
    assert slices.fit + slices.dev + slices.test == book
    assert len(slices.dev) == len(slices.test) == round(len(book) * 0.1)
    assert all(part.vocab is slices.vocab for part in slices[:3])


def test_an_ngram_and_an_rnn_score_the_same_tokens(slices):
    ids = ladder.Stream(slices.dev[:500], slices.vocab)
    torch.manual_seed(0)
    net = charrnn.RNNModel(nn.GRU(28, 8), 28)
    rnn = ladder.stream_losses(net, ids)
    ngram = ladder.stream_losses(NgramModel(slices.fit, 3, 28, 0.1), ids)
    assert rnn.shape == ngram.shape == (500 - ladder.WARMUP,)
    assert rnn.dtype == ngram.dtype == torch.float64


def test_the_rnn_stream_is_one_continuous_state_whatever_the_chunk(slices):
    torch.manual_seed(0)
    net = charrnn.RNNModel(nn.LSTM(28, 8), 28)
    ids = slices.dev[:300]
    whole = float(ladder.rnn_stream_losses(net, ids, chunk=1024).sum())
    assert float(ladder.rnn_stream_losses(net, ids, chunk=7).sum()) == pytest.approx(whole, rel=1e-6)
    # the same sum, token by token, from a state carried by hand
    with torch.no_grad():
        state, nll = net.begin_state(1), 0.0
        for t in range(len(ids) - 1):
            logits, state = net(torch.tensor([[ids[t]]]), state)
            if t + 1 >= ladder.WARMUP:
                nll -= torch.log_softmax(logits[0].double(), 0)[ids[t + 1]].item()
    assert nll == pytest.approx(whole, rel=1e-6)


def test_a_model_that_knows_nothing_scores_uniform(slices):
    net = charrnn.RNNModel(nn.RNN(28, 4), 28)
    for p in net.parameters():
        nn.init.zeros_(p)
    assert ladder.stream_perplexity(net, slices.dev[:200]) == pytest.approx(28)


def test_a_stream_from_another_vocabulary_is_refused(slices):
    train_iter, classic_vocab = charrnn.load_data_time_machine(32, 35)
    net = charrnn.RNNScratch(28, 8)
    charrnn.train(net, train_iter, classic_vocab, 1.0, 1, "cpu", progress=False)
    with pytest.raises(charrnn.VocabMismatchError, match="the stream holds ids from another vocabulary.*stream.encoded_with"):
        ladder.stream_perplexity(net, slices.test)
    reencoded = slices.test.encoded_with(classic_vocab)
    assert classic_vocab.to_tokens(list(reencoded)) == slices.vocab.to_tokens(list(slices.test))
    assert math.isfinite(ladder.stream_perplexity(net, reencoded))
    with pytest.raises(ValueError, match="vocab lacks 23 of the stream's tokens"):
        slices.test.encoded_with(charrnn.Vocab(list("abc ")))


def test_bad_arguments_are_named(slices):
    with pytest.raises(ValueError, match="nothing to score after 10 of warm-up"):
        ladder.stream_perplexity(NgramModel(slices.fit, 2, 28), slices.dev[:10])
    with pytest.raises(ValueError, match="a 12-gram needs 11 tokens of context"):
        ladder.stream_losses(NgramModel(slices.fit, 12, 28), slices.dev[:100])
    with pytest.raises(ValueError, match="cell must be one of"):
        ladder.train_recurrent("Transformer", slices, 0, 8, 1e-2)


def test_the_recipes_are_the_winners_of_the_recorded_search_inside_its_grid():
    assert set(ladder.RECIPES) == set(ladder.DEV_SEARCH) == set(ladder.CELLS)
    for cell, recipe in ladder.RECIPES.items():
        search = ladder.DEV_SEARCH[cell]
        assert tuple(search) == ladder.GRID["lr"] and recipe["num_hiddens"] in ladder.GRID["num_hiddens"]
        assert recipe["lr"] == min(search, key=search.get)
        assert recipe["lr"] not in (min(search), max(search)), "the best rate is inside the grid"


def test_the_paired_bootstrap_finds_a_real_gap_and_not_a_spurious_one():
    generator = torch.Generator().manual_seed(0)
    noise = [torch.rand(5000, generator=generator, dtype=torch.float64) * 2 for _ in range(3)]
    better = [n - 0.1 for n in noise]  # the same text, 0.1 nats lower on every token
    interval = ladder.paired_bootstrap(better, noise)
    assert interval.low < -0.1 < interval.high < 0 and interval.verdict() == "a"
    assert ladder.paired_bootstrap(noise, better).verdict() == "b"
    # two seeds of one model: the difference is noise around 0
    same = ladder.paired_bootstrap(noise[:1], noise[1:2])
    assert same.low < 0 < same.high and same.verdict() == "not distinguishable"


def test_the_bootstrap_counts_the_spread_over_seeds():
    base = torch.zeros(2000, dtype=torch.float64)
    steady = ladder.paired_bootstrap([base - 0.05], [base])
    assert steady.low == pytest.approx(-0.05) and steady.high == pytest.approx(-0.05)
    spread = ladder.paired_bootstrap([base - 0.05, base + 0.05], [base])
    assert spread.low == pytest.approx(-0.05) and spread.high == pytest.approx(0.05)
    assert spread.verdict() == "not distinguishable"


def test_the_bootstrap_names_bad_arguments():
    losses = [torch.zeros(1000, dtype=torch.float64)]
    with pytest.raises(ValueError, match="every model must score the same tokens"):
        ladder.paired_bootstrap(losses, [torch.zeros(999, dtype=torch.float64)])
    with pytest.raises(ValueError, match="block=600: the text has 1000 tokens"):
        ladder.paired_bootstrap(losses, losses, block=600)
    with pytest.raises(ValueError, match="block"):
        ladder.paired_bootstrap(losses, losses, block=0)
