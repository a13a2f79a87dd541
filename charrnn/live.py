"""The panels that run in the reader's browser with no Python behind it: a sampler whose forward
pass is JavaScript over a trained model's exported weights (`charrnn.export`; `charrnn/js/model.js`,
`sampler.js`), the in-page trainer (`train_*.js`), and a heatmap of hidden units over a passage
with a slider to pick the unit (`units.js`). Each is its markup and its data; `charrnn.pages`
adds the scripts.
"""

import base64
import html
import math

import torch
from torch import nn

from .checks import check_nonnegative_int
from .corpus import read_time_machine
from .export import export_weights
from .pages import panel_html
from .sampling import encode_prefix
from .vocab import Vocab

SAMPLER_STYLE = """#PANEL label { display: inline-block; margin: 0 1.2em 0.4em 0; }
#PANEL input[name=prefix] { width: 16em; font-family: monospace; }
#PANEL .charrnn-sample { white-space: pre-wrap; background: #f6f6f6; color: #222; padding: 0.5em; min-height: 3em; }
#PANEL .charrnn-error { color: #b00; }
#PANEL .charrnn-next span { display: inline-block; height: 0.8em; background: #4a7bd0; margin: 0 0.4em; }
#PANEL .charrnn-next code { display: inline-block; width: 1.2em; }
"""
SAMPLER_CONTROLS = """<label>prefix <input name="prefix" type="text" value="{prefix}"></label>
<label>temperature <input name="temperature" type="range" min="0.1" max="2" step="0.05" value="{temperature}">
<span class="charrnn-temperature"></span></label>
<label>characters <input name="length" type="range" min="10" max="500" step="10" value="{length}">
<span class="charrnn-length"></span></label>
<label>seed <input name="seed" type="number" min="0" value="0" style="width: 5em"></label>
<button type="button" class="charrnn-resample">new sample</button>
<pre class="charrnn-sample"></pre>
<div>most likely next characters after the prefix:</div>
<div class="charrnn-next"></div>"""


class LiveSampler:
    """A sampler panel that runs in the browser: prefix box, temperature and length sliders, a seed,
    the sample, and the next-character distribution. Display it in a notebook; the built book
    keeps it working with no kernel (and with no internet)."""

    def __init__(self, net: nn.Module, vocab: Vocab, prefix: str = "time traveller",
                 temperature: float = 0.8, length: int = 200) -> None:
        encode_prefix(prefix, vocab)  # an unusable default prefix is an error here, not in the page
        self.weights = export_weights(net, vocab)
        self.prefix, self.temperature, self.length = prefix, temperature, length

    def _repr_html_(self) -> str:
        controls = SAMPLER_CONTROLS.format(prefix=html.escape(self.prefix, quote=True),
                                           temperature=self.temperature, length=self.length)
        return panel_html("charrnn-live-sampler", SAMPLER_STYLE, controls, self.weights, ["sampler"],
                          "charrnn.mountSampler")


UNITS_STYLE = """#PANEL .charrnn-passage { white-space: pre-wrap; font-family: monospace; line-height: 1.5; color: #000; }
#PANEL button { margin: 0 0.4em 0.4em 0; }
"""
UNITS_CONTROLS = """<div>{buttons}</div>
<label>unit <input name="unit" type="range" min="0" max="{max_unit}" step="1" value="{unit}"></label>
<span class="charrnn-unit"></span>
<div>each character's background is the unit's activation: red above zero, blue below, white at zero</div>
<div class="charrnn-passage"></div>"""


class UnitHeatmap:
    """A passage coloured by one hidden unit's activation, a slider over all units, and a button for
    each unit the search found (`charrnn.units.find_units`). Runs in the page, with no kernel.

    `states` is (len(text), units), as `charrnn.units.hidden_states` returns; values are shown
    clipped to [-1, 1] (tanh units) at 8-bit resolution.
    """

    def __init__(self, text: str, states: torch.Tensor, matches=()) -> None:
        if states.ndim != 2 or states.shape[0] != len(text):
            raise ValueError(f"states must be (len(text)={len(text)}, units), got shape {tuple(states.shape)}")
        self.text, self.matches = text, list(matches)
        self.num_units = states.shape[1]
        self.activations = (states.clamp(-1, 1) * 127).round().to(torch.int8)
        for match in self.matches:
            if not 0 <= match.unit < self.num_units:
                raise ValueError(f"match {match} names a unit outside 0..{self.num_units - 1}")

    def _repr_html_(self) -> str:
        data = {
            "text": self.text,
            "num_units": self.num_units,
            "activations": base64.b64encode(self.activations.contiguous().numpy().tobytes()).decode("ascii"),
            "matches": [{"feature": m.feature, "unit": m.unit, "r": m.r} for m in self.matches],
        }
        buttons = "".join(
            f'<button type="button" data-unit="{m.unit}">{html.escape(m.feature)}: unit {m.unit}</button>'
            for m in self.matches
        )
        unit = self.matches[0].unit if self.matches else 0
        controls = UNITS_CONTROLS.format(buttons=buttons, max_unit=self.num_units - 1, unit=unit)
        return panel_html("charrnn-unit-heatmap", UNITS_STYLE, controls, data, ["units"], "charrnn.mountUnitHeatmap")


# The held-out tail is the text's last tenth, but at most this many characters, so that scoring
# it stays quick.
MAX_HELD_OUT = 10_000

# The cells the in-page trainer offers (charrnn/js/cells.js), by value, with the names it shows.
CELLS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def parameter_count(cell: str, vocab_size: int, num_hiddens: int) -> int:
    """The in-page trainer's parameter count for `cell` (charrnn.parameterCount in cells.js): the
    cell's weights, one bias where PyTorch's layers keep two that only add, and the output layer."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell] * num_hiddens
    # the GRU's candidate keeps its hidden-side bias apart: the reset gate scales it
    extra = num_hiddens if cell == "gru" else 0
    return (vocab_size + num_hiddens + 1) * gates + extra + num_hiddens * vocab_size + vocab_size


# What the panel's sliders span; a value typed outside is refused, in the page as here.
TRAINER_RANGES = {
    "hidden": {"label": "hidden size", "min": 8, "max": 512, "step": 8, "integer": True},
    "lr": {"label": "learning rate", "min": 0.0001, "max": 1, "step": 0.1, "integer": False},
    "numSteps": {"label": "steps per window", "min": 5, "max": 100, "step": 1, "integer": True},
    "batchSize": {"label": "batch size", "min": 1, "max": 64, "step": 1, "integer": True},
}

TRAINER_STYLE = """#PANEL label { display: inline-block; margin: 0 1.2em 0.4em 0; }
#PANEL input[type=number] { width: 5.5em; }
#PANEL textarea { width: 100%; box-sizing: border-box; font-family: monospace; }
#PANEL button { min-height: 2.2em; min-width: 4.5em; margin-right: 0.4em; }
#PANEL .charrnn-runs { display: flex; flex-wrap: wrap; gap: 0.8em; }
#PANEL .charrnn-run { flex: 1 1 18em; min-width: 0; border-left: 4px solid var(--colour); padding-left: 0.6em; }
#PANEL .charrnn-run-sample, #PANEL .charrnn-sample { white-space: pre-wrap; background: #f6f6f6; color: #222;
  padding: 0.5em; min-height: 3em; font-size: 0.9em; }
#PANEL .charrnn-curves { width: 100%; height: 260px; display: block; margin: 0.6em 0; }
#PANEL .charrnn-error, #PANEL .charrnn-message { color: #b00; }
#PANEL .charrnn-next span { display: inline-block; height: 0.8em; background: #4a7bd0; margin: 0 0.4em; }
#PANEL .charrnn-next code { display: inline-block; width: 1.2em; }
"""


def _setting(name: str, value: float, slider_value: float | None = None) -> str:
    """A slider and a box for one of TRAINER_RANGES, set to `value`."""
    r = TRAINER_RANGES[name]
    if name == "lr":  # the slider moves over powers of ten
        low, high, position = math.log10(r["min"]), math.log10(r["max"]), math.log10(value)
    else:
        low, high, position = r["min"], r["max"], value
    return (f'<label>{r["label"]} <input name="{name}-slider" type="range" min="{low}" max="{high}" '
            f'step="{r["step"]}" value="{position}"> <input name="{name}" type="number" min="{r["min"]}" '
            f'max="{r["max"]}" step="any" value="{value}"></label>')


class LiveTrainer:
    """A panel that trains two character models in the reader's browser, side by side, with no
    kernel: an RNN, GRU or LSTM each (`charrnn/js/cells.js`; the RNN is `RNNScratch`'s model,
    `charrnn/js/model.js`), Adam with gradients clipped at 1, each run in its own Web Worker, on
    float32 WebAssembly SIMD where the browser has it and on float64 JavaScript where it does
    not. The reader picks each run's cell and hidden size, the learning rate, steps per window
    and batch size, and the text (The Time Machine as the chapters clean it, or any text pasted
    in); it draws training and held-out perplexity as the runs learn, samples from each, and
    offers chapter 4's sampler on either model. The last tenth of the text (at most MAX_HELD_OUT
    characters) is held out."""

    def __init__(self, hidden_sizes: tuple[int, int] = (16, 128), lr: float = 0.01, num_steps: int = 35,
                 batch_size: int = 32, prefix: str = "time traveller", seed: int = 0,
                 cells: tuple[str, str] = ("rnn", "rnn")) -> None:
        if len(hidden_sizes) != 2:
            raise ValueError(f"hidden_sizes must be two sizes, one per run, got {hidden_sizes!r}")
        if len(cells) != 2 or any(cell not in CELLS for cell in cells):
            raise ValueError(f"cells must be two of {', '.join(CELLS)}, one per run, got {cells!r}")
        for name, value in [*(("hidden", h) for h in hidden_sizes), ("lr", lr), ("numSteps", num_steps),
                            ("batchSize", batch_size)]:
            r = TRAINER_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not r["min"] <= value <= r["max"] \
                    or (r["integer"] and value != int(value)):
                raise ValueError(f"{r['label']} must be from {r['min']} to {r['max']}, got {value!r}")
        self.text = " ".join(read_time_machine())
        missing = sorted(set(prefix) - set(self.text)) if prefix else ["(empty)"]
        if missing:
            raise ValueError(f"prefix {prefix!r} has characters The Time Machine lacks once cleaned: {missing}")
        self.hidden_sizes, self.lr, self.num_steps, self.batch_size = tuple(hidden_sizes), lr, num_steps, batch_size
        self.prefix, self.seed = prefix, check_nonnegative_int("seed", seed)
        self.cells = tuple(cells)

    @property
    def held_out_length(self) -> int:
        """How many characters of the book the panel holds out: its last tenth, at most MAX_HELD_OUT."""
        return min(len(self.text) // 10, MAX_HELD_OUT)

    def _repr_html_(self) -> str:
        runs = "".join(
            f'<div class="charrnn-run" data-run="{i}" style="--colour: {colour}"><b>run {"AB"[i]}</b> '
            + '<label>cell <select name="cell">'
            + "".join(f'<option value="{c}"{" selected" * (c == cell)}>{name}</option>' for c, name in CELLS.items())
            + "</select></label> " + _setting("hidden", hidden)
            + '<div class="charrnn-run-status"></div><pre class="charrnn-run-sample"></pre></div>'
            for i, (cell, hidden, colour) in enumerate(zip(self.cells, self.hidden_sizes, ("#1f6fc5", "#d9640b")))
        )
        sampler = SAMPLER_CONTROLS.format(prefix=html.escape(self.prefix, quote=True), temperature=0.8, length=200)
        controls = f"""<div><label><input type="radio" name="source" value="book" checked> The Time Machine
({len(self.text):,} characters, cleaned as in the chapters)</label>
<label><input type="radio" name="source" value="own"> your own text, any alphabet:</label>
<textarea name="own" rows="3" placeholder="paste a text of at least 200 characters here"></textarea></div>
<div>{_setting("lr", self.lr)} {_setting("numSteps", self.num_steps)} {_setting("batchSize", self.batch_size)}</div>
<div><button type="button" class="charrnn-train">Train</button><button type="button" class="charrnn-pause">Pause</button>
<button type="button" class="charrnn-reset">Reset</button> <span class="charrnn-message" role="alert"></span></div>
<div class="charrnn-runs">{runs}</div>
<canvas class="charrnn-curves" role="img" aria-label="training and held-out perplexity of both runs"></canvas>
<label>temperature of the samples above <input name="sample-temperature" type="range" min="0.1" max="2"
step="0.05" value="0.8"> <span class="charrnn-sample-temperature">0.80</span></label>
<div class="charrnn-sampler"><div><label>Chapter 4's sampler on
<select name="run"><option value="0">run A</option><option value="1">run B</option></select></label>, as it learns:</div>
{sampler}</div>"""
        data = {
            "text": self.text, "maxHeldOut": MAX_HELD_OUT, "prefix": self.prefix, "seed": self.seed,
            "ranges": TRAINER_RANGES,
            "runs": [{"cell": c, "hidden": h} for c, h in zip(self.cells, self.hidden_sizes)],
        }
        return panel_html("charrnn-live-trainer", TRAINER_STYLE, controls, data, ["trainer", "trainer-worker"],
                          "charrnn.mountTrainer")
