"""Accuracy over time per strategy, one stream per chart, as a small standalone SVG.

Written by hand (no plotting library, no time stamps in the file) so a rerun with the same
seed gives the same bytes. One polyline per strategy (accuracy of consecutive 1,000-row
blocks), the true changes shaded (a gradual transition) or drawn as a line (abrupt), and
each driftloop strategy's triggers as ticks under the plot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from _loop_metrics import ROLLING_ROWS
from _loop_streams import Stream

COLOURS = {
    "static": "#7b8fa6",
    "schedule": "#1f77b4",
    "oracle": "#2ca02c",
    "driftloop": "#e07b39",
    "driftloop-tuned": "#9467bd",
    "driftloop-fast": "#d62728",
}
_WIDTH, _HEIGHT = 760, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 44, 62
_Y_MIN, _Y_MAX = 0.3, 1.0


def accuracy_chart(
    stream: Stream,
    series: Mapping[str, np.ndarray],
    triggers: Mapping[str, Sequence[int]],
    *,
    title: str,
) -> str:
    """The SVG text: ``series`` maps strategy -> block accuracies of the replay."""
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    first, last = stream.initial, stream.rows

    def x(row: float) -> float:
        return _LEFT + plot_w * (row - first) / (last - first)

    def y(value: float) -> float:
        clipped = min(max(value, _Y_MIN), _Y_MAX)
        return _TOP + plot_h * (_Y_MAX - clipped) / (_Y_MAX - _Y_MIN)

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
            f'width="{_WIDTH}" height="{_HEIGHT}" font-family="sans-serif" font-size="11">'
        ),
        f"<title>{escape(title)}</title>",
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="white"/>',
        f'<text x="{_LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for change in stream.changes:
        if change.width > 1:
            parts.append(
                f'<rect x="{x(change.start):.1f}" y="{_TOP}" '
                f'width="{x(change.end) - x(change.start):.1f}" height="{plot_h}" '
                'fill="#f2e6d9"/>'
            )
        parts.append(
            f'<line x1="{x(change.position):.1f}" x2="{x(change.position):.1f}" y1="{_TOP}" '
            f'y2="{_TOP + plot_h}" stroke="#b08060" stroke-dasharray="4 3"/>'
        )
    parts += [
        f'<line x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
        'stroke="#e4e4e4"/>'
        f'<text x="{_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0%}</text>'
        for tick in (0.4, 0.6, 0.8, 1.0)
    ]
    step = 10_000 if last - first > 30_000 else 5_000
    parts += [
        f'<text x="{x(row):.1f}" y="{_TOP + plot_h + 14}" text-anchor="middle">'
        f"{row // 1000}k</text>"
        for row in range(first, last + 1, step)
    ]
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_HEIGHT - 4}" text-anchor="middle" '
        f'fill="#555">row (one per second); accuracy of each {ROLLING_ROWS:,}-row block; '
        "ticks: driftloop triggers</text>"
    )
    for name, values in series.items():
        points = " ".join(
            f"{x(first + (i + 0.5) * ROLLING_ROWS):.1f},{y(float(v)):.1f}"
            for i, v in enumerate(values)
        )
        dash = ' stroke-dasharray="5 3"' if name == "oracle" else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{COLOURS.get(name, "#000")}" '
            f'stroke-width="1.6"{dash}/>'
        )
    for lane, (name, rows) in enumerate(triggers.items()):
        top = _TOP + plot_h + 20 + lane * 6
        parts += [
            f'<line x1="{x(row):.1f}" x2="{x(row):.1f}" y1="{top}" y2="{top + 5}" '
            f'stroke="{COLOURS.get(name, "#000")}" stroke-width="2"/>'
            for row in rows
        ]
    parts += _legend(list(series))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _legend(names: list[str]) -> list[str]:
    parts = []
    x = _LEFT
    for name in names:
        colour = COLOURS.get(name, "#000")
        parts.append(
            f'<line x1="{x}" x2="{x + 18}" y1="30" y2="30" stroke="{colour}" stroke-width="2.5"/>'
            f'<text x="{x + 22}" y="34">{escape(name)}</text>'
        )
        x += 30 + 7 * len(name)
    return parts
