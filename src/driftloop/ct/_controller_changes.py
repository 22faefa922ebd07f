"""When did the concept change? The start of a retraining window (``data.window.since_change``).

The monitor runs behind a trigger carry the change points their detector found
(``details["last_change_ms"]``), but a run only sees the labelled rows of its own window: a
change older than the window's labelled part (labels arrive late, windows are short) is in
none of them. When the runs name no change, the controller runs the same detector (ADWIN)
once, at the trigger, over the current champion version's labelled answers since the last
training, read from the inference log.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.monitoring.detectors import Detector
from driftloop.monitoring.inference_log import read_inference_log
from driftloop.monitoring.monitor_run import LabelledRows, detect_error_changes, labelled_rows

__all__ = ["champion_change_ms", "champion_labelled"]

_FIRST_READ = 2000
"""Rows of the log read first when only the newest labelled answers are wanted."""


def champion_labelled(
    inference_log_uri: str,
    deployment: str,
    *,
    version: int,
    since_ms: int,
    end_ms: int | None = None,
    newest: int | None = None,
) -> LabelledRows | None:
    """``version``'s labelled champion-route answers in ``(since_ms, end_ms)``, oldest first.

    With ``newest``, only the log's newest rows are read, more of them (x4 each time) until
    ``newest`` labelled answers are found or the window is exhausted: the controller asks for
    the recent ones at every tick, and the window since the last training can hold days of
    traffic. None when there are none.
    """
    asked = None if newest is None else max(_FIRST_READ, 4 * newest)
    while True:
        table = read_inference_log(
            inference_log_uri,
            deployment,
            start=since_ms + 1,
            end=end_ms,
            last_rows=asked,
            routes=["champion"],
        )
        read = table.num_rows
        if read and "model_version" in table.column_names:
            table = table.filter(pc.equal(table.column("model_version").cast(pa.int64()), version))
        rows = labelled_rows(table)
        found = 0 if rows is None else len(rows.labels)
        if asked is None or newest is None or found >= newest or read < asked:
            return rows
        asked *= 4


def champion_change_ms(
    inference_log_uri: str, deployment: str, *, version: int, since_ms: int, end_ms: int
) -> int | None:
    """The newest change ADWIN finds in ``version``'s errors on ``(since_ms, end_ms)``.

    Rows of the ``champion`` route that ``version`` answered and that have a label, in time
    order; None when there are none or no change is found.
    """
    rows = champion_labelled(
        inference_log_uri, deployment, version=version, since_ms=since_ms, end_ms=end_ms
    )
    detection = detect_error_changes(rows, Detector.ADWIN)
    return detection.changes[-1].timestamp if detection.changes else None
