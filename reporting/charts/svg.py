"""Charts drawn on the server as SVG: no CDN, no JavaScript, printable, readable without colour.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies); each line also
has its own dash pattern and marker shape, so a black-and-white print still tells the series apart. Every chart
is shown next to a table of its numbers (the template's job), and carries a <title> for screen readers.
Text is escaped here: labels come from tenant data (queue names, categories).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle")
# Sequential blues for the heat map, light to dark (the number is printed in each cell too).
HEAT = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594")

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 56


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def _frame(title: str, body: list[str], legend: list[str], height: int = HEIGHT) -> SafeString:
    ident = f"chart-{zlib.crc32(title.encode()):08x}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height + (22 if legend else 0)}" role="img" '
        f'aria-labelledby="{ident}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'font-size="11">',
        f'<title id="{ident}">{escape(title)}</title>',
        *body,
        *legend,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above went through escape()


def _axes(labels: Sequence[str], top: float, plot_h: float, plot_w: float) -> list[str]:
    out = []
    for step in range(5):
        y = TOP + plot_h - plot_h * step / 4
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" />')
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{escape(_number(top * step / 4))}</text>"
        )
    count = len(labels)
    every = max(1, round(count / 8))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = LEFT + (index + 0.5) * plot_w / max(count, 1)
        # Wrapped to the width a label has (about 6 px a character at 11 px), two lines at most.
        lines = _wrap(label, max(4, int(plot_w / max(count, 1) * every / 6.2)))
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if n == 0 else 13}">{escape(line)}</tspan>' for n, line in enumerate(lines)
        )
        out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="#333">{spans}</text>')
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [line if len(line) <= width else line[: max(1, width - 1)] + "\u2026" for line in lines] or [""]


def _legend(names: Sequence[str], *, lines: bool, height: int = HEIGHT) -> list[str]:
    out, x = [], LEFT
    for index, name in enumerate(names):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        y = height + 8
        if lines:
            out.append(
                f'<line x1="{x}" x2="{x + 22}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2.5" '
                f'stroke-dasharray="{dash}" />'
            )
            out.append(_marker(MARKERS[index % len(MARKERS)], x + 11, y, colour))
        else:
            out.append(
                f'<rect x="{x + 4}" y="{y - 6}" width="14" height="12" fill="{colour}" stroke="#000" '
                f'stroke-width="0.5" {_hatch_attr(index)}/>'
            )
        out.append(f'<text x="{x + 28}" y="{y + 4}" fill="#111">{escape(name)}</text>')
        x += 40 + 7 * len(name)
    return out


def _hatch_attr(index: int) -> str:
    return f'fill-opacity="{1 - 0.25 * (index % 3):.2f}"'


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}" />'
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 4:.1f} L{x + 4:.1f} {y + 3:.1f} L{x - 4:.1f} {y + 3:.1f} Z" fill="{colour}" />'
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 4:.1f} L{x + 4:.1f} {y:.1f} L{x:.1f} {y + 4:.1f} L{x - 4:.1f} {y:.1f} Z" '
            f'fill="{colour}" />'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" />'


def line_chart(*, title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """One line per series over the buckets in `labels` (a missing value breaks the line)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    body = _axes(labels, top, plot_h, plot_w)
    count = max(len(labels), 1)
    show_markers = count <= 40
    for index, one in enumerate(series):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        points, path = [], []
        for i, value in enumerate(one.values):
            if value is None:
                if path:
                    points.append(path)
                path = []
                continue
            x = LEFT + (i + 0.5) * plot_w / count
            y = TOP + plot_h - plot_h * value / top
            path.append((x, y))
        if path:
            points.append(path)
        for run in points:
            d = " ".join(f"{'M' if n == 0 else 'L'}{x:.1f} {y:.1f}" for n, (x, y) in enumerate(run))
            body.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}" '
                f'stroke-linejoin="round" />'
            )
            if show_markers:
                body.extend(_marker(MARKERS[index % len(MARKERS)], x, y, colour) for x, y in run)
    return _frame(title, body, _legend([s.name for s in series], lines=True))


def bar_chart(*, title: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """Grouped vertical bars: per label, one bar per series."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    body = _axes(labels, top, plot_h, plot_w)
    count, per = max(len(labels), 1), max(len(series), 1)
    slot = plot_w / count
    bar = max(1.0, slot * 0.8 / per)
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        for i, value in enumerate(one.values):
            if not value:
                continue
            height = plot_h * value / top
            x = LEFT + i * slot + slot * 0.1 + index * bar
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{colour}" stroke="#000" stroke-width="0.5" {_hatch_attr(index)}>'
                f"<title>{escape(labels[i])}: {escape(one.name)} {escape(_number(value))}</title></rect>"
            )
    legend = _legend([s.name for s in series], lines=False) if len(series) > 1 else []
    return _frame(title, body, legend)


def heat_map(*, title: str, rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[int]]) -> SafeString:
    """A grid (rows x columns) shaded by value, light to dark, with the number in each cell."""
    cell_w = (WIDTH - LEFT - RIGHT) / max(len(columns), 1)
    cell_h = 26
    height = TOP + cell_h * len(rows) + 24
    top = max((v for row in values for v in row), default=0) or 1
    body = []
    for r, name in enumerate(rows):
        y = TOP + r * cell_h
        body.append(
            f'<text x="{LEFT - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" fill="#333">{escape(name)}</text>'
        )
        for c, value in enumerate(values[r]):
            shade = HEAT[min(len(HEAT) - 1, round((len(HEAT) - 1) * value / top))]
            x = LEFT + c * cell_w
            ink = "#fff" if HEAT.index(shade) >= 5 else "#111"
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_w:.1f}" height="{cell_h}" fill="{shade}" '
                f'stroke="#fff" stroke-width="1"><title>{escape(name)} {escape(columns[c])}: {value}</title>'
                f"</rect>"
            )
            if value:
                body.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" '
                    f'font-size="9" fill="{ink}">{value}</text>'
                )
    for c, name in enumerate(columns):
        if c % 2:
            continue
        body.append(
            f'<text x="{LEFT + (c + 0.5) * cell_w:.1f}" y="{TOP + cell_h * len(rows) + 14}" '
            f'text-anchor="middle" fill="#333">{escape(name)}</text>'
        )
    return _frame(title, body, [], height=height)
