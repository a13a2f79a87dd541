"""charrnn: the small package behind the book on character-level recurrent neural networks.

`import charrnn` loads torch and the core: data, models, training, sampling. The modules that
need more (plots need matplotlib, panels ipywidgets) or that only some chapters use load on first
use: `charrnn.plots`, `charrnn.widgets`, `charrnn.live` (with `charrnn.export` and
`charrnn.pages`), `charrnn.gates`, `charrnn.ladder`, `charrnn.ngrams`, `charrnn.units`.
"""

import importlib

from .batches import (
    CorpusData,
    SeqDataLoader,
    load_data,
    load_data_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
    split_corpus,
)
from .checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from .corpus import (
    CorpusIntegrityError,
    corpus_tokens,
    preprocess,
    read_text,
    read_time_machine,
    tokenize,
)
from .device import default_device
from .memorisation import Copy, longest_copy
from .models import RNNModel, RNNScratch, detach_state, evaluating
from .sampling import predict, sample
from .training import (
    DivergenceError,
    History,
    VocabMismatchError,
    grad_clipping,
    perplexity,
    train,
    train_epoch,
)
from .vocab import Vocab

__version__ = "0.1.0"

_ON_FIRST_USE = {"export", "gates", "ladder", "live", "ngrams", "pages", "plots", "units", "widgets"}


def __getattr__(name: str):
    if name in _ON_FIRST_USE:
        return importlib.import_module(f".{name}", __name__)  # also binds charrnn.<name>
    raise AttributeError(f"module 'charrnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_ON_FIRST_USE])
