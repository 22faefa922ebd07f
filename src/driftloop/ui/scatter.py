"""A scatter plot of one param against one metric, laid out for an inline SVG (pure).

Params are strings: when every value parses as a number the x axis is numeric, otherwise
each distinct value gets its own position (categorical axis).

Examples:
    >>> plot = scatter_plot([("a", "0.1", 0.5), ("b", "0.3", 0.7)], "lr", "acc")
    >>> [round(p.x) for p in plot.points], plot.numeric_x
    ([107, 573], True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 20, 50


@dataclass(frozen=True, slots=True)
class ScatterPoint:
    """One run's point: position in the SVG, and what it stands for."""

    x: float
    y: float
    label: str
    x_value: str
    y_value: float


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis tick: position and text."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class ScatterPlot:
    """Everything the template draws."""

    points: tuple[ScatterPoint, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    x_label: str
    y_label: str
    numeric_x: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def scatter_plot(
    values: Sequence[tuple[str, str, float]], x_label: str, y_label: str
) -> ScatterPlot:
    """Lay out ``(run label, param value, metric value)`` triples (non-finite metrics dropped)."""
    rows = [(label, x, y) for label, x, y in values if math.isfinite(y)]
    numbers = [_number(x) for _, x, _ in rows]
    numeric = bool(rows) and all(n is not None for n in numbers)
    if numeric:
        xs = [float(n) for n in numbers if n is not None]
        x_min, x_max = _padded(min(xs), max(xs))
        x_at = [_scale(v, x_min, x_max, LEFT, WIDTH - RIGHT) for v in xs]
        x_ticks = tuple(
            Tick(_scale(v, x_min, x_max, LEFT, WIDTH - RIGHT), f"{v:.4g}")
            for v in _ticks(x_min, x_max)
        )
    else:
        categories = sorted({x for _, x, _ in rows})
        step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
        position = {c: LEFT + step * (i + 0.5) for i, c in enumerate(categories)}
        x_at = [position[x] for _, x, _ in rows]
        x_ticks = tuple(Tick(position[c], c[:16]) for c in categories)
    ys = [y for _, _, y in rows] or [0.0]
    y_min, y_max = _padded(min(ys), max(ys))
    points = tuple(
        ScatterPoint(px, _scale(y, y_min, y_max, HEIGHT - BOTTOM, TOP), label, x, y)
        for (label, x, y), px in zip(rows, x_at, strict=True)
    )
    y_ticks = tuple(
        Tick(_scale(v, y_min, y_max, HEIGHT - BOTTOM, TOP), f"{v:.4g}")
        for v in _ticks(y_min, y_max)
    )
    return ScatterPlot(points, x_ticks, y_ticks, x_label, y_label, numeric)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _padded(low: float, high: float) -> tuple[float, float]:
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    return start + (value - low) / (high - low) * (end - start)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    return [low + (high - low) * i / (count - 1) for i in range(count)]
