"""Inline SVG charts for the drift report, drawn in Python (no JavaScript, no network).

Every user string goes through :func:`markupsafe.escape`; the functions return
:class:`markupsafe.Markup` so the report template inserts them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

REFERENCE_COLOUR = "#7b8fa6"
CURRENT_COLOUR = "#e07b39"
_LABEL_CHARS = 14
_BAR_WIDTH = 420
_BAR_HEIGHT = 210
_LINE_WIDTH = 520
_LINE_HEIGHT = 180


def _truncate(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _percent(share: float) -> str:
    return "n/a" if not math.isfinite(share) else f"{share:.1%}"


def _tick(share: float) -> str:
    return f"{share:.1%}".replace(".0%", "%")


def _nice_max(value: float) -> float:
    """The smallest of 10%, 20%, 25%, 50%, ... 100% steps at or above ``value``."""
    for step in (0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0):
        if value <= step:
            return step
    return max(value, 1.0)


def bar_chart(
    labels: Sequence[str], reference: Sequence[float], current: Sequence[float], *, title: str
) -> Markup:
    """A grouped bar chart of reference vs current shares per bin.

    Labels longer than 14 characters are truncated on the axis and shown whole in the
    bars' tooltips; they are rotated when there are more than four bins.
    """
    left, right, top = 40, 8, 10
    bins = max(len(labels), 1)
    rotate = bins > 4
    bottom = 70 if rotate else 26
    plot_w = _BAR_WIDTH - left - right
    plot_h = _BAR_HEIGHT - top - bottom
    finite = [v for v in (*reference, *current) if math.isfinite(v)]
    y_max = _nice_max(max(finite, default=0.0))
    slot = plot_w / bins
    bar = max(slot * 0.38, 1.0)
    parts = [
        (
            f'<svg class="dl-chart" role="img" viewBox="0 0 {_BAR_WIDTH} {_BAR_HEIGHT}" '
            f'width="{_BAR_WIDTH}" height="{_BAR_HEIGHT}">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0.0, y_max / 2, y_max):
        y = top + plot_h - plot_h * tick / y_max
        parts.append(
            f'<line x1="{left}" x2="{_BAR_WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'class="dl-grid"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="dl-tick">'
            f"{_tick(tick)}</text>"
        )
    for index, label in enumerate(labels):
        x0 = left + slot * index + (slot - 2 * bar) / 2
        for offset, (share, colour, side) in enumerate(
            (
                (reference[index], REFERENCE_COLOUR, "reference"),
                (current[index], CURRENT_COLOUR, "current"),
            )
        ):
            value = share if math.isfinite(share) else 0.0
            height = plot_h * min(value, y_max) / y_max
            parts.append(
                f'<rect x="{x0 + offset * bar:.1f}" y="{top + plot_h - height:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}" fill="{colour}">'
                f"<title>{escape(label)} · {side} {_percent(share)}</title></rect>"
            )
        cx = left + slot * index + slot / 2
        ly = top + plot_h + 12
        transform = f' transform="rotate(-40 {cx:.1f} {ly:.1f})"' if rotate else ""
        anchor = "end" if rotate else "middle"
        parts.append(
            f'<text x="{cx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" class="dl-tick"'
            f"{transform}>{escape(_truncate(label))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every user string is escaped above


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def line_chart(points: Sequence[tuple[int, float]], *, title: str) -> Markup:
    """A line chart of ``(window_end_ms, value)`` points, in time order.

    Non-finite values break the line (they were not computable in that run).
    """
    left, right, top, bottom = 48, 12, 10, 28
    plot_w = _LINE_WIDTH - left - right
    plot_h = _LINE_HEIGHT - top - bottom
    ordered = sorted(points)
    finite = [value for _, value in ordered if math.isfinite(value)]
    low, high = min(finite, default=0.0), max(finite, default=1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    start = ordered[0][0] if ordered else 0
    end = ordered[-1][0] if ordered else 1
    span = max(end - start, 1)

    def x_of(ms: int) -> float:
        return left + plot_w * ((ms - start) / span if len(ordered) > 1 else 0.5)

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - low) / (high - low)

    parts = [
        (
            f'<svg class="dl-chart" role="img" viewBox="0 0 {_LINE_WIDTH} {_LINE_HEIGHT}" '
            f'width="{_LINE_WIDTH}" height="{_LINE_HEIGHT}">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for value in (low, (low + high) / 2, high):
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" x2="{_LINE_WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'class="dl-grid"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="dl-tick">'
            f"{value:.3g}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for ms, value in ordered:
        if math.isfinite(value):
            segment.append(f"{x_of(ms):.1f},{y_of(value):.1f}")
        elif segment:
            segments.append(segment)
            segment = []
    if segment:
        segments.append(segment)
    parts.extend(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{CURRENT_COLOUR}" '
        'stroke-width="2"/>'
        for line in segments
    )
    parts.extend(
        f'<circle cx="{x_of(ms):.1f}" cy="{y_of(value):.1f}" r="3" fill="{CURRENT_COLOUR}">'
        f"<title>{_date(ms)}: {value:.4g}</title></circle>"
        for ms, value in ordered
        if math.isfinite(value)
    )
    if ordered:
        base = _LINE_HEIGHT - 8
        parts.append(f'<text x="{left}" y="{base}" class="dl-tick">{_date(start)}</text>')
        if len(ordered) > 1:
            parts.append(
                f'<text x="{_LINE_WIDTH - right}" y="{base}" text-anchor="end" '
                f'class="dl-tick">{_date(end)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every user string is escaped above
