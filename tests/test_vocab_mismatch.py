"""A model scores and trains only on ids from the vocabulary it was trained with.

The classic loader builds its vocabulary from the first 10,000 characters, the whole-book loader
from all of them: the two order the characters differently, so the same id means another letter.
"""

import pytest
import torch

import charrnn
from charrnn import VocabMismatchError


@pytest.fixture(scope="module")
def classic():
    """A model trained one epoch with the classic loader, and that loader's vocabulary."""
    torch.manual_seed(0)
    train_iter, vocab = charrnn.load_data_time_machine(32, 35)
    net = charrnn.RNNScratch(len(vocab), 32, fast=True)
    charrnn.train(net, train_iter, vocab, 1.0, 1, "cpu", progress=False)
    return net, vocab


def test_the_two_loaders_number_the_characters_differently(classic):
    _, vocab = classic
    whole = charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1).vocab
    assert len(whole) == len(vocab) and whole != vocab
    assert sum(a != b for a, b in zip(whole.idx_to_token, vocab.idx_to_token)) == 14


def test_scoring_on_ids_from_another_vocabulary_is_refused(classic):
    net, _ = classic
    whole_book_tail = charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1).val
    with pytest.raises(VocabMismatchError, match=r"14 of the shared ids stand for other tokens.*vocab=vocab"):
        charrnn.perplexity(net, whole_book_tail)


def test_the_same_tail_encoded_with_the_models_vocabulary_is_scored(classic):
    net, vocab = classic
    tail = charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1, vocab=vocab).val
    assert tail.vocab == vocab
    assert 1 < charrnn.perplexity(net, tail) < len(vocab)


def test_train_refuses_a_validation_loader_from_another_vocabulary_before_any_step():
    torch.manual_seed(0)
    train_iter, vocab = charrnn.load_data_time_machine(32, 35)
    net = charrnn.RNNScratch(len(vocab), 16)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    other_tail = charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1).val
    with pytest.raises(VocabMismatchError, match="val_iter"):
        charrnn.train(net, train_iter, vocab, 1.0, 1, "cpu", val_iter=other_tail, progress=False)
    torch.testing.assert_close(net.state_dict(), before, rtol=0, atol=0)


def test_train_epoch_refuses_ids_from_another_vocabulary(classic):
    net, _ = classic
    other = charrnn.load_data(batch_size=32, num_steps=35).train
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    with pytest.raises(VocabMismatchError, match="loader"):
        charrnn.train_epoch(net, other, optimizer, "cpu")


def test_a_vocabulary_that_lacks_tokens_of_the_text_is_refused():
    letters_only = charrnn.Vocab(list("abc "))
    with pytest.raises(ValueError, match=r"vocab lacks \d+ of the text's tokens"):
        charrnn.load_data("abc def\n", batch_size=1, num_steps=2, vocab=letters_only)


def test_a_loaded_checkpoint_knows_its_vocabulary(classic, tmp_path):
    net, vocab = classic
    charrnn.save_checkpoint(tmp_path / "classic.pt", net, vocab)
    loaded, loaded_vocab, _ = charrnn.load_checkpoint(tmp_path / "classic.pt")
    assert loaded_vocab == vocab
    with pytest.raises(VocabMismatchError):
        charrnn.perplexity(loaded, charrnn.load_data(batch_size=32, num_steps=35, val_fraction=0.1).val)


def test_vocabularies_are_equal_when_every_index_means_the_same_token():
    assert charrnn.Vocab(list("aab")) == charrnn.Vocab(list("aba"))
    assert charrnn.Vocab(list("ab")) != charrnn.Vocab(list("abb"))
