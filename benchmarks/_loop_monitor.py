"""Monitoring over the replay's log: what ``driftloop monitor run`` and the live comparison see.

:func:`monitor_window` does what ``monitor_deployment`` does, on arrays instead of the
Parquet log: the newest ``monitor_rows`` rows of the champion route, of them those the
current champion version answered (as the real monitor keeps), ``compute_drift`` against
the champion's reference profile (features and predictions), the live metrics of the rows
whose label is known (``classification_metrics``), and ADWIN over those rows' errors
(``detect_changes``; the newest change's time is the run's ``last_change_ms``).

:func:`live_comparison` does what ``driftloop.ct.live.live_comparison`` does: both models'
rows since the phase began (champion: its champion-route answers; challenger: its canary
answers and shadow copies), counted and scored on their known labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from _loop_models import Version
from _loop_replay import CHALLENGER, CHAMPION, Log
from _loop_streams import Stream
from driftloop.ct.live import LiveComparison, LiveStats
from driftloop.entities import MonitorVerdict
from driftloop.monitoring.detectors import Detector, detect_changes
from driftloop.monitoring.drift import compute_drift
from driftloop.monitoring.performance import classification_metrics


@dataclass(frozen=True, slots=True)
class MonitorRecord:
    """One stored monitor run (the fields the controller reads back).

    Attributes:
        row: The replay row at which it ran (rows before it were in the log).
        window_start_ms: First row's time.
        window_end_ms: Last row's time + 1 ms.
        verdict: The dataset drift verdict.
        metrics: The live metrics (``__performance__`` points) when labels existed.
        labelled: Rows of the window with a label (``labelled_rows``).
        drifted_columns: The columns judged drifted.
        model_version: The champion version the profile came from.
        last_change_ms: The time of the newest change ADWIN found, or None.
    """

    row: int
    window_start_ms: int
    window_end_ms: int
    verdict: MonitorVerdict
    metrics: Mapping[str, float] = field(default_factory=dict)
    labelled: int = 0
    drifted_columns: tuple[str, ...] = ()
    model_version: int = 0
    last_change_ms: int | None = None


def monitor_window(
    stream: Stream,
    log: Log,
    champion: Version,
    *,
    now: int,
    rows: int,
    labelled_end: int,
) -> MonitorRecord:
    """The monitor run at ``now`` over the newest ``rows`` champion-route rows (of those,
    the ones the current champion version answered)."""
    scored = np.arange(stream.initial, now)
    window = scored[log.route[stream.initial : now] == CHAMPION][-rows:]
    window = window[log.version[window] == champion.number]
    if len(window) == 0:  # just promoted: nothing the new champion answered yet
        moment = int(stream.timestamps_ms[now - 1]) + 1
        return MonitorRecord(now, moment, moment, MonitorVerdict.INSUFFICIENT_DATA)
    features = stream.features.iloc[window]
    predictions = log.served[window]
    drift = compute_drift(champion.profile, features, predictions=predictions)
    known = window[window < labelled_end]
    metrics: dict[str, float] = {}
    stamps = stream.timestamps_ms
    last_change = None
    if len(known):
        values = classification_metrics(stream.labels[known], log.served[known])
        metrics = {name: value for name, value in values.items() if np.isfinite(value)}
        errors = (log.served[known] != stream.labels[known]).astype(np.float64)
        changes = detect_changes(errors, detector=Detector.ADWIN, timestamps=stamps[known])
        last_change = changes[-1].timestamp if changes else None
    return MonitorRecord(
        row=now,
        window_start_ms=int(stamps[window[0]]),
        window_end_ms=int(stamps[window[-1]]) + 1,
        verdict=drift.verdict,
        metrics=metrics,
        labelled=len(known),
        drifted_columns=drift.drifted_columns,
        model_version=champion.number,
        last_change_ms=last_change,
    )


def live_comparison(
    stream: Stream,
    log: Log,
    *,
    since_row: int,
    now: int,
    labelled_end: int,
    champion: int,
    challenger: int,
) -> LiveComparison:
    """Both models' live accuracy on the rows scored at or after ``since_row``."""
    rows = np.arange(since_row, now)
    route, version = log.route[since_row:now], log.version[since_row:now]
    mine = rows[(route == CHAMPION) & (version == champion)]
    answered = rows[(route == CHALLENGER) & (version == challenger)]
    shadowed = rows[log.shadow_version[since_row:now] == challenger]
    champion_stats = _stats(stream, champion, mine, log.served[mine], labelled_end)
    their_rows = np.concatenate([answered, shadowed])
    their_answers = np.concatenate([log.served[answered], log.shadow[shadowed]])
    challenger_stats = _stats(stream, challenger, their_rows, their_answers, labelled_end)
    return LiveComparison(champion=champion_stats, challenger=challenger_stats, metric="accuracy")


def _stats(
    stream: Stream, version: int, rows: np.ndarray, answers: np.ndarray, labelled_end: int
) -> LiveStats:
    if len(rows) == 0:
        return LiveStats(version, 0, 0, None, None, None)
    known = rows < labelled_end
    metric = None
    if known.any():
        value = classification_metrics(stream.labels[rows[known]], answers[known])["accuracy"]
        metric = float(value) if np.isfinite(value) else None
    # No latencies in the replay: p99 is unknown, as is the error rate without /metrics.
    return LiveStats(version, len(rows), int(known.sum()), metric, None, None)
