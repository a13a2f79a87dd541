import torch

from charrnn import Vocab


def test_unk_is_zero_and_tokens_are_sorted_by_frequency():
    vocab = Vocab(list("abbccc"))
    assert vocab.idx_to_token == ["<unk>", "c", "b", "a"]
    assert vocab.unk == 0
    assert vocab.token_freqs == [("c", 3), ("b", 2), ("a", 1)]


def test_ties_break_alphabetically():
    assert Vocab(list("zyxzyx")).idx_to_token == ["<unk>", "x", "y", "z"]


def test_reserved_tokens_follow_unk_and_min_freq_drops_rare_tokens():
    vocab = Vocab(list("abbccc"), min_freq=2, reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "c", "b"]
    assert vocab["a"] == vocab.unk


def test_lookup_of_tokens_and_lists_and_back():
    vocab = Vocab([list("hello"), list("world")])  # a list of token lists is flattened
    ids = vocab[list("hello")]
    assert isinstance(vocab["h"], int)
    assert vocab.to_tokens(ids) == list("hello")
    assert vocab.to_tokens(torch.tensor(ids)) == list("hello")
    assert vocab.to_tokens(ids[0]) == "h"
    assert vocab["?"] == 0
    assert "h" in vocab and "?" not in vocab
    assert len(vocab) == 1 + len(set("helloworld"))
