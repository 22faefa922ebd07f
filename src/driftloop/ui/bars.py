"""Paired bars of a column's reference and current distributions, laid out for inline SVG.

Pure: a :class:`~driftloop.monitoring.drift.Distribution` in, bar rectangles out (in a fixed
``WIDTH`` x ``HEIGHT`` view box, scaled by the browser). The page labels each bar with a
``<title>`` and puts the same numbers in a table, so the chart is never the only way to read
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from driftloop.monitoring.drift import Distribution

WIDTH = 320
HEIGHT = 120
BASELINE = HEIGHT - 4
TOP = 6
REFERENCE_FILL = "#6b7280"
CURRENT_FILL = "#0b57d0"


@dataclass(frozen=True, slots=True)
class Bar:
    """One rectangle: which series, its bin, its share and geometry (view-box units)."""

    series: str
    label: str
    share: float
    x: float
    y: float
    width: float
    height: float
    fill: str


def distribution_bars(distribution: Distribution) -> list[Bar]:
    """Two bars per bin (reference, then current), scaled to the largest share.

    >>> from driftloop.monitoring.drift import Distribution
    >>> bars = distribution_bars(Distribution(("a", "b"), (0.5, 0.5), (1.0, 0.0)))
    >>> [(b.series[:3], b.label, round(b.height, 1)) for b in bars]
    [('ref', 'a', 55.0), ('cur', 'a', 110.0), ('ref', 'b', 55.0), ('cur', 'b', 0.0)]
    """
    count = len(distribution.labels)
    if count == 0:
        return []
    top = max([*distribution.reference, *distribution.current, 0.0]) or 1.0
    slot = WIDTH / count
    bar = slot * 0.4
    bars = []
    for index, label in enumerate(distribution.labels):
        left = index * slot + slot * 0.1
        pairs = (
            ("reference", distribution.reference[index], REFERENCE_FILL, left),
            ("current", distribution.current[index], CURRENT_FILL, left + bar),
        )
        for series, share, fill, x in pairs:
            height = (BASELINE - TOP) * share / top
            bars.append(Bar(series, label, share, x, BASELINE - height, bar, height, fill))
    return bars
