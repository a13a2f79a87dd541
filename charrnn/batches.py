"""Minibatches of (inputs, targets) from one long token stream, and the loaders built on them.

Targets are the inputs shifted by one token. Two classic ways to cut the stream:
- random: every epoch starts at a random offset, cuts the stream into windows of `num_steps`
  and serves them in random order, so neighbouring rows share nothing;
- sequential: every epoch starts at a random offset and lays the stream out as `batch_size`
  long rows, so row j of batch i+1 continues row j of batch i and a hidden state can carry over.
"""

import os
from collections.abc import Iterator
from typing import NamedTuple

import torch

from .checks import check_choice, check_positive_int
from .corpus import TOKEN_KINDS, corpus_tokens, preprocess, read_text, read_time_machine
from .vocab import Vocab, check_covers

Batch = tuple[torch.Tensor, torch.Tensor]


def _randint(high: int, generator: torch.Generator | None) -> int:
    """A uniform integer in [0, high]."""
    return int(torch.randint(high + 1, (1,), generator=generator))


def seq_data_iter_random(
    corpus: torch.Tensor, batch_size: int, num_steps: int, generator: torch.Generator | None = None
) -> Iterator[Batch]:
    """Random windows of `num_steps` tokens, `batch_size` per batch, from a random offset."""
    corpus = corpus[_randint(num_steps - 1, generator):]
    num_windows = (len(corpus) - 1) // num_steps
    starts = num_steps * torch.randperm(num_windows, generator=generator)
    steps = torch.arange(num_steps)
    for i in range(num_windows // batch_size):
        index = starts[i * batch_size : (i + 1) * batch_size, None] + steps
        yield corpus[index], corpus[index + 1]


def seq_data_iter_sequential(
    corpus: torch.Tensor,
    batch_size: int,
    num_steps: int,
    generator: torch.Generator | None = None,
    random_offset: bool = True,
) -> Iterator[Batch]:
    """Consecutive windows: row j of one batch continues row j of the batch before."""
    offset = _randint(num_steps, generator) if random_offset else 0
    num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
    inputs = corpus[offset : offset + num_tokens].reshape(batch_size, -1)
    targets = corpus[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    for i in range(0, inputs.shape[1] // num_steps * num_steps, num_steps):
        yield inputs[:, i : i + num_steps], targets[:, i : i + num_steps]


def min_corpus_length(batch_size: int, num_steps: int, random_offset: bool = True) -> int:
    """The fewest tokens that give one full batch whatever the random offset."""
    return batch_size * num_steps + (num_steps if random_offset else 0) + 1


class SeqDataLoader:
    """A re-iterable loader: each `iter()` is one epoch, drawn from its own seeded generator."""

    def __init__(
        self,
        corpus: torch.Tensor | list[int],
        batch_size: int,
        num_steps: int,
        use_random_iter: bool = False,
        seed: int = 0,
        random_offset: bool = True,
        vocab: Vocab | None = None,
    ) -> None:
        # The vocabulary the ids come from, if known: training and scoring check it against the
        # model's, since ids from another vocabulary stand for other characters.
        self.vocab = vocab
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.num_steps = check_positive_int("num_steps", num_steps)
        self.corpus = torch.as_tensor(corpus, dtype=torch.long)
        self.use_random_iter = use_random_iter
        self.random_offset = random_offset or use_random_iter
        needed = min_corpus_length(batch_size, num_steps, self.random_offset)
        if len(self.corpus) < needed:
            raise ValueError(
                f"corpus of {len(self.corpus)} tokens is too short for one batch of "
                f"batch_size={batch_size} x num_steps={num_steps} (needs at least {needed} tokens)"
            )
        self.generator = torch.Generator().manual_seed(seed)

    def max_batches(self) -> int:
        """Batches in an epoch that starts at offset 0; a random offset can give one fewer.
        (Random and sequential cutting give the same count: (n // a) // b == n // (a * b).)"""
        return (len(self.corpus) - 1) // (self.batch_size * self.num_steps)

    def __iter__(self) -> Iterator[Batch]:
        if self.use_random_iter:
            return seq_data_iter_random(self.corpus, self.batch_size, self.num_steps, self.generator)
        return seq_data_iter_sequential(
            self.corpus, self.batch_size, self.num_steps, self.generator, self.random_offset
        )

    def __repr__(self) -> str:
        kind = "random" if self.use_random_iter else "sequential"
        return (
            f"SeqDataLoader({kind}, {len(self.corpus)} tokens, "
            f"batch_size={self.batch_size}, num_steps={self.num_steps})"
        )


class CorpusData(NamedTuple):
    """What `load_data` returns: the training loader, the held-out loader (or None), the vocab."""

    train: SeqDataLoader
    val: SeqDataLoader | None
    vocab: Vocab


def split_corpus(corpus: list[int], val_fraction: float) -> tuple[list[int], list[int]]:
    """Hold out the tail: the last `val_fraction` of the stream is for validation only."""
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    cut = len(corpus) - int(round(len(corpus) * val_fraction))
    return corpus[:cut], corpus[cut:]


def load_data(
    source: str | os.PathLike | None = None,
    *,
    batch_size: int,
    num_steps: int,
    use_random_iter: bool = False,
    max_tokens: int | None = None,
    val_fraction: float = 0.0,
    token: str = "char",
    clean: bool = True,
    seed: int = 0,
    encoding: str = "utf-8",
    vocab: Vocab | None = None,
) -> CorpusData:
    """Loaders and vocabulary for The Time Machine (`source=None`) or a reader's own text.

    `source` is a path or the text itself, told apart as `read_text` describes (a one-line string
    that looks like a path but names no file is an error, not a text), and a file is decoded with
    `encoding`. `token` is 'char' or 'word'. `clean=True` applies the classic letters-only,
    lower-case preprocessing; `clean=False` keeps every character (newlines included), as text in
    other alphabets needs. `max_tokens` keeps the first tokens only (None: all of them);
    `val_fraction` holds out the tail for validation, read sequentially from offset 0 so that its
    perplexity is comparable between epochs.
    The vocabulary covers the whole text, so held-out characters are never `<unk>`; pass `vocab` to
    encode the text with a trained model's vocabulary instead (every token must be in it). Both
    loaders carry the vocabulary their ids come from.
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("num_steps", num_steps)
    check_choice("token", token, TOKEN_KINDS)
    if max_tokens is not None:
        check_positive_int("max_tokens", max_tokens)
    if source is None:
        lines = read_time_machine()
    elif clean:
        text = read_text(source, encoding)
        lines = preprocess(text)
        # Letters-only cleaning suits English; of Chinese, Greek or Russian text it leaves nothing.
        kept = sum(len(line.replace(" ", "")) for line in lines)
        visible = len("".join(text.split()))
        if kept < visible / 10:
            raise ValueError(
                f"clean=True kept {kept} of the {visible} non-space characters: the classic cleaning keeps "
                "the letters A-Z only (lower-cased); pass clean=False to keep every character"
            )
    else:
        lines = [read_text(source, encoding)]
    tokens = corpus_tokens(lines, token)[:max_tokens]
    if vocab is None:
        vocab = Vocab(tokens)
    else:
        check_covers(vocab, tokens, "the text")
    train_ids, val_ids = split_corpus(vocab[tokens], val_fraction)
    train = SeqDataLoader(train_ids, batch_size, num_steps, use_random_iter, seed, vocab=vocab)
    val = None
    if val_fraction > 0:
        needed = min_corpus_length(batch_size, num_steps, random_offset=False)
        if len(val_ids) < needed:
            raise ValueError(
                f"the held-out tail (val_fraction={val_fraction}) has {len(val_ids)} tokens, too "
                f"short for one batch of batch_size={batch_size} x num_steps={num_steps} "
                f"(needs at least {needed}); raise val_fraction or lower batch_size"
            )
        val = SeqDataLoader(val_ids, batch_size, num_steps, random_offset=False, vocab=vocab)
    return CorpusData(train, val, vocab)


def load_data_time_machine(
    batch_size: int,
    num_steps: int,
    use_random_iter: bool = False,
    max_tokens: int = 10000,
    seed: int = 0,
) -> tuple[SeqDataLoader, Vocab]:
    """The classic loader: the first `max_tokens` characters of The Time Machine and its vocab."""
    data = load_data(
        batch_size=batch_size,
        num_steps=num_steps,
        use_random_iter=use_random_iter,
        max_tokens=max_tokens,
        seed=seed,
    )
    return data.train, data.vocab
