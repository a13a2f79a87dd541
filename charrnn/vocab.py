"""A vocabulary: tokens to indices and back, most frequent first, `<unk>` at index 0."""

from collections import Counter
from collections.abc import Iterable, Sequence


class Vocab:
    """Token <-> index maps built from a token stream (flat, or a list of token lists)."""

    def __init__(
        self,
        tokens: Iterable = (),
        min_freq: int = 0,
        reserved_tokens: Sequence[str] = (),
    ) -> None:
        tokens = list(tokens)
        if tokens and isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        # Ties are broken alphabetically so that indices never depend on dict order.
        self.token_freqs: list[tuple[str, int]] = sorted(
            Counter(tokens).items(), key=lambda item: (-item[1], item[0])
        )
        self.idx_to_token: list[str] = ["<unk>", *reserved_tokens]
        for token, freq in self.token_freqs:
            if freq >= min_freq and token not in self.idx_to_token:
                self.idx_to_token.append(token)
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    @property
    def unk(self) -> int:
        return 0

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """The index of a token (`unk` if unknown), or a list of indices for a list of tokens."""
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(token) for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """The token of an index, or a list of tokens for a list (or 1-D tensor) of indices."""
        if hasattr(indices, "tolist"):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[int(indices)]

    def __eq__(self, other: object) -> bool:
        """Two vocabularies are equal when every index stands for the same token."""
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.idx_to_token == other.idx_to_token

    __hash__ = None  # mutable, like a list

    def __repr__(self) -> str:
        shown = ", ".join(repr(t) for t in self.idx_to_token[:10])
        more = ", ..." if len(self) > 10 else ""
        return f"Vocab(size={len(self)}: [{shown}{more}])"


def check_covers(vocab: Vocab, tokens: Iterable, what: str) -> None:
    """Raise ValueError if `tokens` (those of `what`) hold tokens that `vocab` lacks: encoded
    with it they would all become `<unk>`, which a model trained with it never saw."""
    missing = sorted(set(tokens) - set(vocab.idx_to_token))
    if missing:
        raise ValueError(
            f"vocab lacks {len(missing)} of {what}'s tokens ({missing[:10]}): they would all become "
            "<unk>, which the model never saw; use a vocabulary built from a text that holds them"
        )
