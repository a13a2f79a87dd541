"""The few plots the book draws again and again, as matplotlib figures with labelled axes."""

import io

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .training import History


def plot_perplexity(history: History, title: str = "", ax=None) -> Figure:
    """Training (and held-out, if measured) perplexity per epoch, on a log scale."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    epochs = range(1, len(history.train_ppl) + 1)
    ax.plot(epochs, history.train_ppl, label="training")
    if history.val_ppl:
        ax.plot(epochs, history.val_ppl, label="held-out")
    ax.set(xlabel="epoch", ylabel="perplexity", yscale="log", title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
    ax.legend()
    return ax.figure


def plot_grad_norms(norms: dict[str, list[float]], theta: float | None = None, ax=None) -> Figure:
    """Gradient norm before clipping at every step, one line per run, on a log scale."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    for label, values in norms.items():
        ax.plot(range(1, len(values) + 1), values, label=label, linewidth=0.8)
    if theta is not None:
        ax.axhline(theta, color="black", linestyle="--", linewidth=0.8, label=f"clipping threshold θ = {theta:g}")
    ax.set(xlabel="training step", ylabel="gradient norm (before clipping)", yscale="log")
    ax.legend()
    return ax.figure


def plot_units(text: str, rows: dict[str, list[float]], ax=None) -> Figure:
    """A heatmap of a few hidden units (rows, labelled by the dict's keys) over the characters of a
    short `text` (columns, labelled by the characters; ␣ is a space, ⏎ a newline)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.2 * len(text)), 0.8 + 0.6 * len(rows)), layout="constrained")
    image = ax.imshow(list(rows.values()), cmap="bwr", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(rows)), list(rows))
    shown = [{" ": "␣", "\n": "⏎"}.get(char, char) for char in text]
    ax.set_xticks(range(len(text)), shown, fontsize=11, fontfamily="monospace")  # readable at page size
    ax.tick_params(axis="x", length=0)
    ax.figure.colorbar(image, ax=ax, label="activation", pad=0.01, fraction=0.02)
    return ax.figure


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for widgets, which cannot show a figure object directly. The
    figure is closed, so that a notebook does not also show it below the cell."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
