import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from charrnn import (
    SeqDataLoader,
    load_data,
    load_data_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
    split_corpus,
)
from charrnn.batches import min_corpus_length

shapes = st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(0, 60), st.integers(0, 2**31 - 1))


def corpus_for(batch_size, num_steps, extra):
    return torch.arange(min_corpus_length(batch_size, num_steps) + extra)


@settings(max_examples=200, deadline=None)
@given(shapes, st.booleans())
def test_targets_are_inputs_shifted_by_one_and_shapes_fixed(shape, use_random):
    batch_size, num_steps, extra, seed = shape
    corpus = corpus_for(batch_size, num_steps, extra)  # token i is i, so a shift is +1
    loader = SeqDataLoader(corpus, batch_size, num_steps, use_random_iter=use_random, seed=seed)
    batches = list(loader)
    assert batches, "a corpus of the minimum length gives at least one batch"
    for X, Y in batches:
        assert X.shape == Y.shape == (batch_size, num_steps)
        assert torch.equal(Y, X + 1)
        assert torch.equal(X[:, 1:], X[:, :-1] + 1), "each row is a contiguous window"


@settings(max_examples=200, deadline=None)
@given(shapes)
def test_sequential_rows_continue_across_batches(shape):
    batch_size, num_steps, extra, seed = shape
    corpus = corpus_for(batch_size, num_steps, extra)
    batches = list(seq_data_iter_sequential(corpus, batch_size, num_steps, torch.Generator().manual_seed(seed)))
    for (X, _), (X_next, _) in zip(batches, batches[1:]):
        assert torch.equal(X_next[:, 0], X[:, -1] + 1)


@settings(max_examples=200, deadline=None)
@given(shapes)
def test_random_windows_are_disjoint_aligned_and_cover_the_epoch(shape):
    batch_size, num_steps, extra, seed = shape
    corpus = corpus_for(batch_size, num_steps, extra)
    batches = list(seq_data_iter_random(corpus, batch_size, num_steps, torch.Generator().manual_seed(seed)))
    starts = torch.cat([X[:, 0] for X, _ in batches])
    offset = int(starts.min()) % num_steps
    assert len(set(starts.tolist())) == len(starts), "no window is served twice"
    assert all((s - offset) % num_steps == 0 for s in starts.tolist()), "every window starts on one grid"
    num_windows = (len(corpus) - offset - 1) // num_steps
    assert len(starts) == num_windows // batch_size * batch_size


def epoch_offset(loader):
    """Where an epoch cuts the corpus from (token i is i): the random loader's windows all start
    a multiple of num_steps after it; the sequential loader's first row starts there."""
    first = min(int(X[:, 0].min()) for X, _ in loader)
    return first % loader.num_steps if loader.use_random_iter else first


@pytest.mark.parametrize("use_random_iter, offsets", [
    (True, range(5)),
    (False, range(6)),  # the sequential offset may be num_steps itself, as in the classic recipe
])
def test_every_epoch_starts_at_a_new_random_offset(use_random_iter, offsets):
    loader = SeqDataLoader(torch.arange(200), batch_size=2, num_steps=5, use_random_iter=use_random_iter, seed=1)
    assert {epoch_offset(loader) for _ in range(60)} == set(offsets)


def test_without_a_random_offset_every_epoch_starts_at_zero():
    loader = SeqDataLoader(torch.arange(200), batch_size=2, num_steps=5, random_offset=False)
    assert {epoch_offset(loader) for _ in range(10)} == {0}


def test_random_iterator_covers_every_position_over_epochs():
    corpus = torch.arange(200)
    loader = SeqDataLoader(corpus, batch_size=2, num_steps=5, use_random_iter=True, seed=1)
    seen = set()
    for _ in range(30):
        for X, _ in loader:
            seen.update(X.flatten().tolist())
    assert seen == set(range(199)), "every token but the last is an input at some point"


def test_loader_is_reiterable_and_seeded():
    corpus = torch.arange(500)
    a = SeqDataLoader(corpus, 4, 7, use_random_iter=True, seed=3)
    b = SeqDataLoader(corpus, 4, 7, use_random_iter=True, seed=3)
    epochs_a = [[X.tolist() for X, _ in a] for _ in range(3)]
    epochs_b = [[X.tolist() for X, _ in b] for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != epochs_a[1], "each epoch draws a new order"


def test_classic_loader_on_the_first_10000_characters():
    loader, vocab = load_data_time_machine(batch_size=32, num_steps=35)
    assert len(vocab) == 28
    assert len(loader.corpus) == 10_000
    X, Y = next(iter(loader))
    assert X.shape == Y.shape == (32, 35)
    assert X.dtype == torch.long


def test_split_holds_out_the_tail():
    train, val = split_corpus(list(range(100)), 0.1)
    assert train == list(range(90)) and val == list(range(90, 100))
    with pytest.raises(ValueError, match="val_fraction must be in \\[0, 1\\), got 1.5"):
        split_corpus([1, 2], 1.5)


def test_load_data_with_validation_split():
    data = load_data(batch_size=16, num_steps=32, val_fraction=0.1)
    total = len(data.train.corpus) + len(data.val.corpus)
    assert abs(len(data.val.corpus) - 0.1 * total) <= 1
    assert not data.val.random_offset
    first = [X.tolist() for X, _ in data.val]
    assert first == [X.tolist() for X, _ in data.val], "validation batches never change"


def test_user_text_as_string_and_file(tmp_path):
    text = "Hello, World! " * 40
    data = load_data(text, batch_size=2, num_steps=8)
    assert set(data.vocab.idx_to_token) == {"<unk>", "h", "e", "l", "o", "w", "r", "d", " "}
    raw = load_data(text, batch_size=2, num_steps=8, clean=False)
    assert "!" in raw.vocab and "H" in raw.vocab
    path = tmp_path / "mine.txt"
    path.write_text(text)
    from_file = load_data(path, batch_size=2, num_steps=8)
    assert torch.equal(from_file.train.corpus, data.train.corpus)


@pytest.mark.parametrize("name, kwargs", [
    ("batch_size", dict(batch_size=0, num_steps=5)),
    ("batch_size", dict(batch_size=-3, num_steps=5)),
    ("num_steps", dict(batch_size=2, num_steps=0)),
    ("num_steps", dict(batch_size=2, num_steps=2.5)),
])
def test_non_positive_sizes_raise_naming_the_argument(name, kwargs):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer, got {kwargs[name]!r}"):
        SeqDataLoader(torch.arange(100), **kwargs)
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        load_data("some text " * 50, **kwargs)


def test_corpus_too_short_for_one_batch():
    with pytest.raises(ValueError, match="corpus of 20 tokens is too short for one batch of batch_size=4 x num_steps=5"):
        load_data("a" * 20, batch_size=4, num_steps=5)


def test_validation_tail_too_short():
    with pytest.raises(ValueError, match="held-out tail \\(val_fraction=0.01\\) has 10 tokens"):
        load_data("abcdefghij" * 100, batch_size=4, num_steps=5, val_fraction=0.01)
