"""Text from a trained model: warm the state up on a prefix, then extend it one token at a time.

`predict` is greedy (always the most likely next character); `sample` draws from the softmax of
logits / temperature, optionally among the top-k only, with a seedable generator. Neither ever
emits `<unk>`: the training text never contains it, so it stands for no character at all.
"""

import torch
from torch import nn

from .checks import check_positive_float, check_positive_int
from .models import evaluating
from .vocab import Vocab


def encode_prefix(prefix: str, vocab: Vocab) -> list[int]:
    """The ids of `prefix`'s characters; an empty prefix or an unknown character is an error
    (mapping it to `<unk>` silently would feed the model something it never saw)."""
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    missing = sorted({char for char in prefix if char not in vocab})
    if missing:
        raise ValueError(
            f"prefix {prefix!r} has characters that are not in the vocabulary: {missing}; "
            f"the vocabulary holds {''.join(sorted(t for t in vocab.idx_to_token if len(t) == 1))!r}"
        )
    return vocab[list(prefix)]


def _generate(prefix: str, num_preds: int, net: nn.Module, vocab: Vocab, device, choose) -> str:
    check_positive_int("num_preds", num_preds)
    ids = encode_prefix(prefix, vocab)
    device = torch.device(device) if device is not None else next(net.parameters()).device
    with evaluating(net):
        state = net.begin_state(1, device)
        # The whole prefix but its last character goes through in one call: it only sets the state.
        if len(ids) > 1:
            _, state = net(torch.tensor([ids[:-1]], device=device), state)
        last = ids[-1]
        for _ in range(num_preds):
            logits, state = net(torch.tensor([[last]], device=device), state)
            logits = logits[0].double().cpu()
            logits[vocab.unk] = float("-inf")
            last = choose(logits)
            ids.append(last)
    return "".join(vocab.to_tokens(ids))


def predict(prefix: str, num_preds: int, net: nn.Module, vocab: Vocab, device=None) -> str:
    """`prefix` followed by `num_preds` greedily chosen characters."""
    return _generate(prefix, num_preds, net, vocab, device, lambda logits: int(logits.argmax()))


def sample(
    prefix: str,
    num_preds: int,
    net: nn.Module,
    vocab: Vocab,
    device=None,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> str:
    """`prefix` followed by `num_preds` sampled characters.

    Low temperatures approach greedy decoding, high ones approach uniform noise. The draw happens
    on the CPU so that a seeded CPU `generator` gives the same text whatever device the model is on.
    """
    temperature = check_positive_float("temperature", temperature)
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= len(vocab)):
        raise ValueError(f"top_k must be an integer in 1..{len(vocab)} (the vocabulary size), got {top_k!r}")

    def choose(logits: torch.Tensor) -> int:
        logits = logits / temperature
        if top_k is not None:
            kth_largest = torch.topk(logits, top_k).values[-1]
            logits = logits.masked_fill(logits < kth_largest, float("-inf"))
        probs = torch.softmax(logits, dim=0)
        return int(torch.multinomial(probs, 1, generator=generator))

    return _generate(prefix, num_preds, net, vocab, device, choose)
