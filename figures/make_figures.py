"""Writes the book's SVG figures by hand-placing boxes and arrows: no plotting library, no web.

Run `python figures/make_figures.py` from the repository root after changing a figure. The
minibatch figure cuts the stream with charrnn's own iterators, so it shows what the code does.

The chapters carry each figure as a PNG cell attachment, so that a notebook opened alone (Colab
opens one from the repository) shows it; the book draws the SVG itself (`_ext/attachments.py`).
This script renders those PNGs too (it needs `pip install cairosvg` and the system's cairo
library) and records each SVG's SHA-256 beside it, in the cell's metadata, so a test can tell
when an attachment is older than its figure.
"""

import base64
import hashlib
import re
import sys
from pathlib import Path

import nbformat
import torch

from charrnn.batches import seq_data_iter_random, seq_data_iter_sequential

HERE = Path(__file__).parent
BOX_W, BOX_H = 64, 36


def box(x: float, y: float, label: str, fill: str) -> str:
    return (
        f'<rect x="{x - BOX_W / 2}" y="{y - BOX_H / 2}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{fill}" stroke="#333"/>\n'
        f'<text x="{x}" y="{y + 5}" text-anchor="middle">{label}</text>\n'
    )


def arrow(x1: float, y1: float, x2: float, y2: float, label: str = "") -> str:
    text = ""
    if label:
        text = f'<text x="{(x1 + x2) / 2 + 6}" y="{(y1 + y2) / 2 - 4}" class="w">{label}</text>\n'
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" marker-end="url(#head)"/>\n' + text


def unrolled_rnn(steps: int = 4) -> str:
    """An RNN unrolled over `steps` time steps: x_t -> h_t -> o_t, and h_{t-1} -> h_t."""
    gap, left, width = 150, 110, 110 + 150 * steps
    rows = {"o": 40, "h": 130, "x": 220}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="260" '
        f'viewBox="0 0 {width} 260" font-family="sans-serif" font-size="15">\n',
        '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker>\n'
        '<style>.w { font-size: 12px; fill: #555; font-style: italic; }</style></defs>\n',
        '<rect width="100%" height="100%" fill="white"/>\n',
        box(30, rows["h"], "h₀", "#eee"),
        arrow(30 + BOX_W / 2, rows["h"], left - BOX_W / 2 - 2, rows["h"], "W_hh"),
    ]
    for t in range(1, steps + 1):
        x = left + (t - 1) * gap
        parts += [
            box(x, rows["x"], f"x{_sub(t)}", "#dbeafe"),
            box(x, rows["h"], f"h{_sub(t)}", "#fde68a"),
            box(x, rows["o"], f"o{_sub(t)}", "#d1fae5"),
            arrow(x, rows["x"] - BOX_H / 2, x, rows["h"] + BOX_H / 2 + 2, "W_xh"),
            arrow(x, rows["h"] - BOX_H / 2, x, rows["o"] + BOX_H / 2 + 2, "W_hq"),
        ]
        if t < steps:
            parts.append(arrow(x + BOX_W / 2, rows["h"], x + gap - BOX_W / 2 - 2, rows["h"], "W_hh"))
    parts.append("</svg>\n")
    return "".join(parts)


def _sub(n: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(n))


HEAD = (
    '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
    '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>\n'
)


def _svg(width: int, height: int, body: list[str]) -> str:
    """An SVG with readable text: no label smaller than 16 px, 12 pt where the page shows it whole."""
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="16">\n',
            HEAD,
            '<rect width="100%" height="100%" fill="white"/>\n',
            *body,
            "</svg>\n",
        ]
    )


def _rect(x: float, y: float, w: float, h: float, label: str, fill: str, mono: bool = False) -> str:
    """A box centred at (x, y)."""
    font = ' font-family="monospace" font-size="17"' if mono else ""
    return (
        f'<rect x="{x - w / 2}" y="{y - h / 2}" width="{w}" height="{h}" rx="5" '
        f'fill="{fill}" stroke="#333"/>\n'
        f'<text x="{x}" y="{y + 5}" text-anchor="middle"{font}>{label}</text>\n'
    )


def _text(x: float, y: float, label: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{label}</text>\n'


def char_language_model(word: str = "machine") -> str:
    """A character-level language model on `word`: it reads word[:-1] and predicts word[1:]."""
    steps, gap, first, w, h = len(word) - 1, 90, 238, 56, 34
    rows = {"target": 40, "output": 120, "hidden": 205, "input": 290}
    names = {"target": "target", "output": "output", "hidden": "hidden state", "input": "input"}
    body = [_text(104, y + 5, names[row], "end", ' font-size="16"') for row, y in rows.items()]
    body += [
        _rect(first - gap, rows["hidden"], w, h, "h₀", "#eee"),
        arrow(first - gap + w / 2, rows["hidden"], first - w / 2 - 2, rows["hidden"]),
    ]
    for t in range(1, steps + 1):
        x = first + (t - 1) * gap
        body += [
            _rect(x, rows["input"], w, h, word[t - 1], "#dbeafe", mono=True),
            _rect(x, rows["hidden"], w, h, f"h{_sub(t)}", "#fde68a"),
            _rect(x, rows["output"], w, h, f"o{_sub(t)}", "#d1fae5"),
            _rect(x, rows["target"], w, h, word[t], "#fce7f3", mono=True),
            arrow(x, rows["input"] - h / 2, x, rows["hidden"] + h / 2 + 2),
            arrow(x, rows["hidden"] - h / 2, x, rows["output"] + h / 2 + 2),
            f'<line x1="{x}" y1="{rows["output"] - h / 2}" x2="{x}" y2="{rows["target"] + h / 2}" '
            'stroke="#b91c1c" stroke-dasharray="4 3"/>\n',
        ]
        if t < steps:
            body.append(arrow(x + w / 2, rows["hidden"], x + gap - w / 2 - 2, rows["hidden"]))
    body.append(_text(first + 6, (rows["output"] + rows["target"]) / 2 + 5, "loss",
                      extra=' font-size="16" fill="#b91c1c" font-style="italic"'))
    return _svg(int(first + (steps - 1) * gap + w / 2 + 12), 320, body)


# Three batches of two rows of five characters, cut from the start of the book. The seed is one
# whose epoch starts at offset 1 for both kinds of batches, so that the two bars differ only in
# which window goes where.
STREAM = "the time machine by h g wells i t"
BATCH_SIZE, NUM_STEPS, SEED = 2, 5, 16
BATCH_COLOURS = ["#dbeafe", "#fde68a", "#d1fae5"]


def _windows(iterator) -> dict[int, tuple[int, int]]:
    """Start of each window in the stream -> (batch, row), from an iterator over positions."""
    return {
        int(start): (batch, row)
        for batch, (inputs, _) in enumerate(iterator)
        for row, start in enumerate(inputs[:, 0])
    }


def _minibatch_panel(top: float, title: str, note: str, windows: dict[int, tuple[int, int]]) -> list[str]:
    cell, left = 20, 30
    used = {start + i: start for start in windows for i in range(NUM_STEPS)}
    body = [_text(left, top, title, extra=' font-weight="bold"')]
    for i, char in enumerate(STREAM):  # the stream, each character coloured by its batch
        fill = BATCH_COLOURS[windows[used[i]][0]] if i in used else "#e5e5e5"
        body.append(_rect(left + cell * i + cell / 2, top + 28, cell, 26, char.replace(" ", "␣"), fill, mono=True))
    for start, (batch, row) in windows.items():  # a bracket under each window, and where it goes
        x1, x2, y = left + cell * start + 3, left + cell * (start + NUM_STEPS) - 3, top + 46
        body += [
            f'<path d="M{x1},{y} L{x1},{y + 5} L{x2},{y + 5} L{x2},{y}" fill="none" stroke="#333"/>\n',
            _text((x1 + x2) / 2, y + 22, f"batch {batch + 1}", "middle", ' font-size="16"'),
            _text((x1 + x2) / 2, y + 39, f"row {row}", "middle", ' font-size="16"'),
        ]
    grid_top = top + 120
    for batch in range(len(BATCH_COLOURS)):  # the batches as the model receives them
        x0 = left + 70 + batch * 215
        body.append(_text(x0 + cell * NUM_STEPS / 2, grid_top - 8, f"batch {batch + 1}", "middle"))
        for start, (b, row) in windows.items():
            if b != batch:
                continue
            for i in range(NUM_STEPS):
                body.append(_rect(x0 + cell * i + cell / 2, grid_top + 13 + 26 * row, cell, 26,
                                  STREAM[start + i].replace(" ", "␣"), BATCH_COLOURS[batch], mono=True))
    for row in range(BATCH_SIZE):
        body.append(_text(left + 60, grid_top + 18 + 26 * row, f"row {row}", "end", ' font-size="16"'))
    body.append(_text(left, grid_top + 88, note, extra=' font-size="16"'))
    return body


def minibatches() -> str:
    """How sequential and random minibatches cut one stream into windows (grey: not an input)."""
    positions = torch.arange(len(STREAM))
    sequential = seq_data_iter_sequential(positions, BATCH_SIZE, NUM_STEPS, torch.Generator().manual_seed(SEED))
    random = seq_data_iter_random(positions, BATCH_SIZE, NUM_STEPS, torch.Generator().manual_seed(SEED))
    body = _minibatch_panel(
        24, "sequential minibatches", "row b continues row b of the batch before: the state carries over",
        _windows(sequential),
    ) + _minibatch_panel(
        270, "random minibatches", "windows in random order: the state starts at zero for every batch",
        _windows(random),
    )
    return _svg(720, 495, body)


ATTACHMENT = re.compile(r"\]\(attachment:([\w.-]+)\.png\)")


def attach_to_chapters(chapters: Path) -> None:
    """Give every chapter image `![...](attachment:NAME.png)` the PNG of figures/NAME.svg."""
    try:
        import cairosvg
    except ImportError:
        sys.exit("rendering the attachments needs cairosvg: pip install cairosvg (and Debian's libcairo2)")
    for path in sorted(chapters.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            names = ATTACHMENT.findall(cell.source) if cell.cell_type == "markdown" else []
            if not names:
                continue
            cell.attachments, cell.metadata["figure_sha256"] = {}, {}
            for name in names:
                svg = (HERE / f"{name}.svg").read_bytes()
                png = cairosvg.svg2png(bytestring=svg, scale=2)
                cell.attachments[f"{name}.png"] = {"image/png": base64.b64encode(png).decode()}
                cell.metadata["figure_sha256"][f"{name}.svg"] = hashlib.sha256(svg).hexdigest()
        nbformat.write(notebook, path)


if __name__ == "__main__":
    (HERE / "rnn-unrolled.svg").write_text(unrolled_rnn(), encoding="utf-8")
    (HERE / "char-language-model.svg").write_text(char_language_model(), encoding="utf-8")
    (HERE / "minibatches.svg").write_text(minibatches(), encoding="utf-8")
    attach_to_chapters(HERE.parent / "chapters")
