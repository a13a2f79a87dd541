"""charrnn: the small package behind the book on character-level recurrent neural networks."""

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
from .models import RNNModel, RNNScratch, detach_state
from .sample import predict, sample
from .train import (
    DivergenceError,
    History,
    VocabMismatchError,
    grad_clipping,
    perplexity,
    train,
    train_epoch,
)
from .vocab import Vocab
from . import ladder, live, ngrams, plots, widgets

__version__ = "0.1.0"
