"""Two interactive panels (ipywidgets): train a model of a chosen hidden size, and sample from one.

Everything they show is set through widget traits (no printing into the cell), so a notebook
executed ahead of time stores the panels' last state and the built HTML book shows it.
"""

import base64
import html

import ipywidgets as widgets
import torch
from torch import nn

from .models import RNNModel
from .plots import figure_png, plot_perplexity
from .sampling import predict, sample
from .training import History, train
from .vocab import Vocab


def _text_html(text: str) -> str:
    return f"<pre style='white-space: pre-wrap; margin: 0'>{html.escape(text)}</pre>"


def _image_html(png: bytes, alt: str) -> str:
    # An <img> in an HTML widget, not an Image widget: its alt text says what the plot shows, and
    # ipywidgets 8 fails to draw an Image widget that has a tooltip (it reads a missing description).
    data = base64.b64encode(png).decode("ascii")
    return (f"<img class='charrnn-plot' src='data:image/png;base64,{data}'"
            f" alt='{html.escape(alt, quote=True)}' style='max-width: 100%'>")


def _error_html(error: Exception) -> str:
    return f"<span style='color: #b00'>{html.escape(str(error))}</span>"


def perplexity_description(history: History, num_hiddens: int) -> str:
    """What plot_perplexity's curve of `history` shows, in words: a text alternative for the plot."""
    words = (f"perplexity by epoch at hidden size {num_hiddens}, over {len(history.train_ppl)} epochs: "
             f"training from {history.train_ppl[0]:.1f} to {history.train_ppl[-1]:.1f}")
    if history.val_ppl:
        words += f", held-out from {history.val_ppl[0]:.1f} to {history.val_ppl[-1]:.1f}"
    return words


class HiddenSizeExplorer(widgets.VBox):
    """Pick a hidden size, press Train: a small `nn.RNN` model trains with a progress bar, then its
    perplexity curve and a greedy sample appear."""

    def __init__(
        self,
        train_iter,
        vocab: Vocab,
        val_iter=None,
        num_epochs: int = 20,
        lr: float = 1.0,
        hidden_sizes: tuple[int, ...] = (8, 16, 32, 64, 128, 256, 512),
        value: int = 64,
        prefix: str = "time traveller",
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        self.train_iter, self.val_iter, self.vocab = train_iter, val_iter, vocab
        self.num_epochs, self.lr, self.prefix, self.device, self.seed = num_epochs, lr, prefix, device, seed
        self.hidden = widgets.SelectionSlider(options=list(hidden_sizes), value=value, description="hidden size")
        self.button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.progress = widgets.IntProgress(min=0, max=num_epochs, description="epochs")
        self.status = widgets.HTML()
        self.plot = widgets.HTML()  # the perplexity curve, after training
        self.sample_text = widgets.HTML()
        self.button.on_click(lambda _: self.train())
        self.net: nn.Module | None = None
        super().__init__([
            widgets.HBox([self.hidden, self.button]),
            self.progress, self.status, self.plot, self.sample_text,
        ])

    def train(self) -> History:
        """Train a fresh model of the selected hidden size and show the result."""
        num_hiddens = self.hidden.value
        self.button.disabled = True
        self.progress.value = 0
        self.status.value = f"training hidden size {num_hiddens} for {self.num_epochs} epochs..."
        torch.manual_seed(self.seed)
        net = RNNModel(nn.RNN(len(self.vocab), num_hiddens), len(self.vocab), fast=True)
        try:
            history = train(
                net, self.train_iter, self.vocab, self.lr, self.num_epochs, self.device,
                val_iter=self.val_iter, progress=False,
                on_epoch=lambda epoch, _: setattr(self.progress, "value", epoch),
            )
        finally:
            self.button.disabled = False
        self.net = net
        params = sum(p.numel() for p in net.parameters())
        final = f"training perplexity {history.train_ppl[-1]:.2f}"
        if history.val_ppl:
            final += f", held-out {history.val_ppl[-1]:.2f}"
        self.status.value = f"hidden size {num_hiddens} ({params:,} parameters): {final}"
        figure = plot_perplexity(history, title=f"hidden size {num_hiddens}")
        self.plot.value = _image_html(figure_png(figure), perplexity_description(history, num_hiddens))
        self.sample_text.value = _text_html(predict(self.prefix, 80, net, self.vocab, self.device))
        return history


class Sampler(widgets.VBox):
    """Type a prefix, move the temperature and length sliders: new text at once."""

    def __init__(self, net: nn.Module, vocab: Vocab, prefix: str = "time traveller", seed: int = 0) -> None:
        self.net, self.vocab = net, vocab
        self.prefix = widgets.Text(value=prefix, description="prefix", continuous_update=True)
        self.mode = widgets.ToggleButtons(options=["sampled", "greedy"], value="sampled", description="decoding")
        self.temperature = widgets.FloatLogSlider(value=1.0, base=10, min=-1.5, max=1, step=0.05, description="temperature")
        self.length = widgets.IntSlider(value=100, min=10, max=400, step=10, description="characters")
        self.seed = widgets.IntText(value=seed, description="seed")
        self.output = widgets.HTML()
        for control in (self.prefix, self.mode, self.temperature, self.length, self.seed):
            control.observe(lambda _: self.update(), names="value")
        super().__init__([self.prefix, self.mode, self.temperature, self.length, self.seed, self.output])
        self.update()

    def update(self) -> None:
        """Regenerate the text from the current settings (a fixed seed gives the same text)."""
        self.temperature.disabled = self.seed.disabled = self.mode.value == "greedy"
        try:
            if self.mode.value == "greedy":
                text = predict(self.prefix.value, self.length.value, self.net, self.vocab)
            else:
                generator = torch.Generator().manual_seed(self.seed.value)
                text = sample(self.prefix.value, self.length.value, self.net, self.vocab,
                              temperature=self.temperature.value, generator=generator)
        except ValueError as error:
            self.output.value = _error_html(error)
            return
        self.output.value = _text_html(text)
