"""Figures of one strategy on one stream: prequential accuracy, retrainings, detections.

* **Prequential accuracy**: the share of replayed rows whose answer (given before the label
  was known) was right, over the whole replay and per segment: ``before`` the first change,
  ``during`` (from each change's start to ``recovery`` rows after its end) and ``after``
  (the rest, after the first change).
* **Detection delay**: rows from a change's start to the first trigger in its detection
  span (``[start, end + recovery)``, cut at the next change).
* **False triggers**: triggers in no detection span (every trigger on the no-drift stream).
* **Gap recovered**: (strategy - static) / (oracle - static), on the whole replay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from _loop_replay import StrategyResult
from _loop_streams import Stream

SEGMENTS = ("before", "during", "after")
ROLLING_ROWS = 1000
"""Rows per point of the accuracy-over-time series (non-overlapping blocks)."""


@dataclass(frozen=True, slots=True)
class Figures:
    """One strategy on one stream."""

    stream: str
    strategy: str
    accuracy: float
    segments: dict[str, float | None]
    retrainings: int
    promotions: int
    triggers: list[int]
    detection_delays: list[int | None]
    false_triggers: int
    gap_recovered: float | None = None
    episodes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "strategy": self.strategy,
            "accuracy": round(self.accuracy, 5),
            "segments": {k: _round(v) for k, v in self.segments.items()},
            "retrainings": self.retrainings,
            "promotions": self.promotions,
            "triggers": self.triggers,
            "detection_delays": self.detection_delays,
            "false_triggers": self.false_triggers,
            "gap_recovered": _round(self.gap_recovered),
            "episodes": self.episodes,
        }


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 5)


def segment_masks(stream: Stream, recovery: int) -> dict[str, np.ndarray]:
    """Replayed rows (index 0 = first replayed row) of each segment."""
    rows = np.arange(stream.initial, stream.rows)
    during = np.zeros(len(rows), dtype=bool)
    for lo, hi in detection_spans(stream, recovery):
        during |= (rows >= lo) & (rows < hi)
    first = stream.changes[0].start if stream.changes else stream.rows
    before = rows < first
    return {"before": before, "during": during, "after": ~before & ~during}


def detection_spans(stream: Stream, recovery: int) -> list[tuple[int, int]]:
    """Per change, the rows in which a trigger counts as detecting it."""
    spans = []
    for index, change in enumerate(stream.changes):
        end = change.end + recovery
        if index + 1 < len(stream.changes):
            end = min(end, stream.changes[index + 1].start)
        spans.append((change.start, end))
    return spans


def figures(stream: Stream, result: StrategyResult, recovery: int) -> Figures:
    """The figures of ``result`` (gap recovered is filled in by :func:`with_gaps`)."""
    masks = segment_masks(stream, recovery)
    segments = {
        name: (float(result.correct[mask].mean()) if mask.any() else None)
        for name, mask in masks.items()
    }
    spans = detection_spans(stream, recovery)
    delays: list[int | None] = []
    for (lo, hi), change in zip(spans, stream.changes, strict=True):
        hits = [t for t in result.triggers if lo <= t < hi]
        delays.append(hits[0] - change.start if hits else None)
    false = [t for t in result.triggers if not any(lo <= t < hi for lo, hi in spans)]
    return Figures(
        stream=stream.name,
        strategy=result.name,
        accuracy=float(result.correct.mean()),
        segments=segments,
        retrainings=len(result.trainings),
        promotions=len(result.promotions),
        triggers=list(result.triggers),
        detection_delays=delays,
        false_triggers=len(false),
        episodes=result.episodes,
    )


def with_gaps(found: list[Figures]) -> list[Figures]:
    """Fill in the gap recovered of every strategy of one stream (None without a gap)."""
    by_name = {f.strategy: f for f in found}
    static, oracle = by_name.get("static"), by_name.get("oracle")
    if static is None or oracle is None or oracle.accuracy - static.accuracy < 1e-9:
        return found
    gap = oracle.accuracy - static.accuracy
    return [replace(f, gap_recovered=(f.accuracy - static.accuracy) / gap) for f in found]


def rolling_accuracy(correct: np.ndarray, rows: int = ROLLING_ROWS) -> np.ndarray:
    """Accuracy of consecutive blocks of ``rows`` replayed rows (the last block may be short)."""
    blocks = [correct[i : i + rows] for i in range(0, len(correct), rows)]
    return np.asarray([block.mean() for block in blocks if len(block)], dtype=np.float64)
