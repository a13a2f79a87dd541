"""Writes the book's SVG figures by hand-placing boxes and arrows: no plotting library, no web.

Run `python figures/make_figures.py` from the repository root after changing a figure.
"""

from pathlib import Path

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


if __name__ == "__main__":
    (HERE / "rnn-unrolled.svg").write_text(unrolled_rnn(), encoding="utf-8")
