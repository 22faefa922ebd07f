"""The monitoring page's heatmap: drift score by column (rows) over monitoring runs (columns).

Pure: monitor runs in, cells with their colour step, text colour, label and hover title out.
Colour is never the only signal: every cell carries its value as text (and as an SVG
``<title>``), drifted cells are marked with ``*``, and the page adds a table fallback.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    MonitorRun,
)

PALETTE: tuple[tuple[str, str], ...] = (
    ("#f7fbff", "#1b1f24"),
    ("#c6dbef", "#1b1f24"),
    ("#6baed6", "#1b1f24"),
    ("#2171b5", "#ffffff"),
    ("#08306b", "#ffffff"),
)
"""``(fill, text)`` per colour step, from low to high drift score (text contrast >= 4.5)."""
MISSING = ("#eeeeee", "#57606a")
"""``(fill, text)`` of a cell with no value (column not measured, or NaN)."""
PREDICTION_LABEL = "prediction"
CHANGE_POINTS_METRIC = "change_points"


@dataclass(frozen=True, slots=True)
class HeatWindow:
    """One monitoring run: a column of the heatmap.

    Attributes:
        run_id: The monitoring run.
        window_start: First row's time, ms.
        window_end: Last row's time + 1, ms.
        verdict: The dataset verdict (``drift``, ``no_drift``, ``insufficient_data``).
        model_version: The champion version the window was scored by, or None.
        rows: Rows in the window.
        alarm_ms: When the change detector last found a change in this window, or None.
        change_points: How many changes it found (None when no detector ran).
    """

    run_id: str
    window_start: int
    window_end: int
    verdict: str
    model_version: int | None
    rows: int
    alarm_ms: int | None
    change_points: int | None

    @property
    def alarm(self) -> bool:
        """Whether the detector found a change in this window."""
        return self.alarm_ms is not None or bool(self.change_points)


@dataclass(frozen=True, slots=True)
class HeatCell:
    """One column's drift score in one window."""

    value: float | None
    drifted: bool
    step: int
    """Colour step 0..4, or -1 for a missing value."""
    fill: str
    text: str
    label: str
    """The value as shown in the cell: two decimals, ``*`` when drifted, ``—`` when missing."""


@dataclass(frozen=True, slots=True)
class HeatRow:
    """One column of the data: its name and a cell per window."""

    column: str
    cells: tuple[HeatCell, ...]

    @property
    def drifted_windows(self) -> int:
        """In how many windows the column drifted."""
        return sum(1 for cell in self.cells if cell.drifted)


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Windows oldest first, one row per column (features by name, then the prediction)."""

    windows: tuple[HeatWindow, ...]
    rows: tuple[HeatRow, ...]
    max_score: float
    """The largest finite drift score shown (the top of the colour scale)."""

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Columns that drifted in at least one window."""
        return tuple(row.column for row in self.rows if row.drifted_windows)


def window_of(run: MonitorRun) -> HeatWindow:
    """A monitoring run as a heatmap window (with its detector alarm, if any)."""
    alarm = run.details.get("last_change_ms")
    changes = next(
        (
            p.value
            for p in run.points
            if p.column == PERFORMANCE_COLUMN and p.metric == CHANGE_POINTS_METRIC
        ),
        None,
    )
    return HeatWindow(
        run_id=run.run_id,
        window_start=run.window_start,
        window_end=run.window_end,
        verdict=run.verdict.value,
        model_version=run.model_version,
        rows=run.rows,
        alarm_ms=int(alarm) if alarm is not None and alarm.isdigit() else None,
        change_points=None if changes is None or math.isnan(changes) else int(changes),
    )


def build_heatmap(runs: Sequence[MonitorRun]) -> Heatmap:
    """The heatmap of ``runs`` (with their points), in window order whatever the input order.

    >>> build_heatmap([]).rows
    ()
    """
    ordered = sorted(runs, key=lambda r: (r.window_end, r.run_id))
    scores: list[dict[str, tuple[float, bool]]] = []
    names: set[str] = set()
    for run in ordered:
        found: dict[str, tuple[float, bool]] = {}
        drifted = {p.column for p in run.points if p.metric == "drifted" and p.value == 1.0}
        for point in run.points:
            if point.metric != "drift_score" or point.column in _NOT_COLUMNS:
                continue
            found[point.column] = (point.value, point.column in drifted)
            names.add(point.column)
        scores.append(found)
    finite = [v for found in scores for v, _ in found.values() if math.isfinite(v)]
    top = max(finite, default=0.0)
    columns = sorted(names - {PREDICTION_COLUMN}) + sorted(names & {PREDICTION_COLUMN})
    rows = tuple(
        HeatRow(
            PREDICTION_LABEL if name == PREDICTION_COLUMN else name,
            tuple(_cell(found.get(name), top) for found in scores),
        )
        for name in columns
    )
    return Heatmap(tuple(window_of(run) for run in ordered), rows, top)


def colour_step(value: float, top: float) -> int:
    """The colour step (0..4) of ``value`` on a scale from 0 to ``top``.

    >>> colour_step(0.0, 1.0), colour_step(0.5, 1.0), colour_step(1.0, 1.0)
    (0, 2, 4)
    """
    if top <= 0 or value <= 0:
        return 0
    return min(len(PALETTE) - 1, int(len(PALETTE) * value / top))


_NOT_COLUMNS = frozenset({DATASET_COLUMN, PERFORMANCE_COLUMN})


def _cell(found: tuple[float, bool] | None, top: float) -> HeatCell:
    if found is None or not math.isfinite(found[0]):
        drifted = found is not None and found[1]
        return HeatCell(None, drifted, -1, MISSING[0], MISSING[1], "—")
    value, drifted = found
    step = colour_step(value, top)
    fill, text = PALETTE[step]
    return HeatCell(value, drifted, step, fill, text, f"{value:.2f}{'*' if drifted else ''}")
