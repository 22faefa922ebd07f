"""The labelled rows one retraining learns from, and the time-ordered holdout the gates use.

:func:`assemble_training_data` reads the policy's ``data`` section:

* **inference_log**: the deployment's logged rows of routes ``champion`` and ``challenger``
  (the answers clients got; ``shadow`` rows are copies of champion requests and are left
  out) that have a feedback label;
* **loader**: the rows of the user's ``module:function`` called with the :class:`Window`;
  it returns a DataFrame with a ``label`` column and, optionally, a ``timestamp`` column
  (datetimes, or Unix milliseconds) that orders the rows and drops those outside the window
  (without one, the frame's own order is its time order);
* **both**: the two concatenated and put in time order (the loader must then give
  ``timestamp``, and the same feature columns as the log).

The window is the last ``duration`` before ``now_ms`` (end excluded), or the last ``rows``
labelled rows before it; given the time of a concept change (``change_ms``) and with
``data.window.since_change``, it starts at the change instead, extended back to the newest
``min_rows`` labelled rows when fewer came after it. Rows without a label are never
counted. The most recent rows are the holdout (``holdout.fraction`` of them, at least one;
or ``holdout.rows``); the rest, older, are for training. Fewer than ``min_rows`` labelled rows raise
:class:`NotEnoughDataError`: nothing is trained and the champion stays.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.ct._retrain_entry import resolve_function
from driftloop.errors import InvalidParameterError, NotReadyError
from driftloop.monitoring.inference_log import feature_frame, read_inference_log

if TYPE_CHECKING:
    from driftloop.ct.policy import Policy

__all__ = [
    "LABEL_COLUMN",
    "LOG_ROUTES",
    "TIMESTAMP_COLUMN",
    "NotEnoughDataError",
    "TrainingData",
    "Window",
    "assemble_training_data",
    "rows_since_change",
]

LOG_ROUTES = frozenset({"champion", "challenger"})
"""Inference-log routes whose rows are training rows (not ``shadow``: duplicated requests)."""
LABEL_COLUMN = "label"
"""The label column of a loader's DataFrame (and of the joined inference log)."""
TIMESTAMP_COLUMN = "timestamp"
"""The optional time column of a loader's DataFrame (datetimes or Unix milliseconds)."""
_LOG_GROWTH = 4


class NotEnoughDataError(NotReadyError):
    """The window holds fewer labelled rows than the policy's ``data.min_rows``.

    Attributes:
        rows: The labelled rows found.
        min_rows: The policy's minimum.
    """

    code = "NOT_ENOUGH_DATA"

    def __init__(self, message: str, *, rows: int, min_rows: int) -> None:
        super().__init__(message, field="data.min_rows")
        self.rows = rows
        self.min_rows = min_rows


@dataclass(frozen=True, slots=True)
class Window:
    """The span of data a retraining asks for; what a loader is called with.

    Attributes:
        deployment: The deployment being retrained.
        start_ms: Inclusive start (Unix ms) for a duration window, None for a rows window.
        end_ms: Exclusive end (Unix ms): the time the data was assembled.
        rows: The number of most recent labelled rows for a rows window, else None.
    """

    deployment: str
    start_ms: int | None
    end_ms: int
    rows: int | None


@dataclass(frozen=True, slots=True)
class TrainingData:
    """The rows of one retraining, oldest first.

    Attributes:
        features: Training rows (feature columns only), in time order.
        labels: Their labels (``label``), aligned with ``features``.
        holdout_features: The most recent rows, kept out of training for the gates.
        holdout_labels: Their labels.
        window_start_ms: Start of the window (a duration window's start, else the oldest
            row's time when known).
        window_end_ms: End of the window (exclusive): the ``now_ms`` it was assembled at.
        digest: ``sha256:`` content hash of every row (features, labels, times, order).
        log_rows: How many rows came from the inference log.
        loader_rows: How many rows came from the loader.
    """

    features: pd.DataFrame
    labels: pd.Series
    holdout_features: pd.DataFrame
    holdout_labels: pd.Series
    window_start_ms: int | None
    window_end_ms: int | None
    digest: str
    log_rows: int = 0
    loader_rows: int = 0


@dataclass(frozen=True, slots=True)
class _Rows:
    features: pd.DataFrame
    labels: pd.Series
    timestamps: np.ndarray | None  # int64 Unix ms per row, or None when unknown
    from_log: np.ndarray  # bool per row: read from the inference log (else the loader)

    def __len__(self) -> int:
        return len(self.labels)

    def tail(self, count: int) -> _Rows:
        if len(self) <= count:
            return self
        start = len(self) - count
        stamps = None if self.timestamps is None else self.timestamps[start:]
        return _Rows(
            self.features.iloc[start:].reset_index(drop=True),
            self.labels.iloc[start:].reset_index(drop=True),
            stamps,
            self.from_log[start:],
        )


def assemble_training_data(
    policy: Policy,
    *,
    inference_log_uri: str,
    log_name: str,
    now_ms: int,
    change_ms: int | None = None,
) -> TrainingData:
    """The policy's training rows up to ``now_ms`` and their holdout (module docstring).

    Args:
        policy: The deployment's CT policy (its ``data`` section is read).
        inference_log_uri: The inference log's root (local path, ``file://`` or ``s3://``).
        log_name: The log's name under the root (the deployment's name).
        now_ms: End of the window (exclusive), Unix ms; fixing it makes a rerun read the
            same rows.
        change_ms: When the monitor saw the concept change (Unix ms), or None. With
            ``data.window.since_change`` the window starts there, or earlier by as many rows
            as ``data.min_rows`` needs (rows without a time are never cut).

    Raises:
        NotEnoughDataError: Fewer labelled rows than ``data.min_rows``.
        InvalidParameterError: The loader cannot be imported, or returns no DataFrame, no
            ``label`` column, bad timestamps, or other feature columns than the log
            (``field`` is ``data.loader``).
    """
    if isinstance(now_ms, bool) or not isinstance(now_ms, int | np.integer):
        raise InvalidParameterError("now_ms must be Unix milliseconds", field="now_ms")
    data = policy.data
    window = _window(policy, int(now_ms))
    log = loader = None
    if data.source in ("inference_log", "both"):
        log = _log_rows(inference_log_uri, log_name, window)
    if data.source in ("loader", "both"):
        loader = _loader_rows(policy, window, need_time=data.source == "both")
    rows = _combined(log, loader)
    if window.rows is not None:
        rows = rows.tail(window.rows)
    start = window.start_ms
    stamps = rows.timestamps
    if change_ms is not None and data.window.since_change and stamps is not None:
        kept = rows_since_change(stamps, change_ms, data.min_rows)
        if kept < len(rows):
            rows = rows.tail(kept)
            first = int(stamps[len(stamps) - kept])
            start = int(change_ms) if first >= change_ms else first
    if len(rows) < data.min_rows:
        raise NotEnoughDataError(
            f"the window holds {len(rows)} labelled rows; data.min_rows is {data.min_rows}",
            rows=len(rows),
            min_rows=data.min_rows,
        )
    holdout = _holdout_size(policy, len(rows))
    cut = len(rows) - holdout
    if start is None and rows.timestamps is not None:
        start = int(rows.timestamps[0])
    return TrainingData(
        features=rows.features.iloc[:cut].reset_index(drop=True),
        labels=rows.labels.iloc[:cut].reset_index(drop=True),
        holdout_features=rows.features.iloc[cut:].reset_index(drop=True),
        holdout_labels=rows.labels.iloc[cut:].reset_index(drop=True),
        window_start_ms=start,
        window_end_ms=window.end_ms,
        digest=_digest(rows),
        log_rows=int(rows.from_log.sum()),
        loader_rows=int(len(rows) - rows.from_log.sum()),
    )


def rows_after_change(timestamps: np.ndarray, change_ms: int) -> int:
    """How many rows were scored at or after ``change_ms`` (``timestamps`` in ms).

    >>> rows_after_change(np.array([1, 2, 3, 4, 5]), 4)
    2
    """
    return int(np.count_nonzero(np.asarray(timestamps) >= change_ms))


def rows_since_change(timestamps: np.ndarray, change_ms: int, min_rows: int) -> int:
    """How many of the newest rows a window that starts at the change keeps.

    Those at or after ``change_ms``, or the newest ``min_rows`` when fewer came after it
    (``timestamps`` in time order, ms).

    >>> stamps = np.array([1, 2, 3, 4, 5])
    >>> rows_since_change(stamps, 4, 1), rows_since_change(stamps, 4, 3)
    (2, 3)
    """
    since = rows_after_change(timestamps, change_ms)
    return min(max(since, min_rows), len(timestamps))


def _window(policy: Policy, now_ms: int) -> Window:
    spec = policy.data.window
    if spec.duration is not None:
        span = int(spec.duration.total_seconds() * 1000)
        return Window(policy.deployment, now_ms - span, now_ms, None)
    return Window(policy.deployment, None, now_ms, spec.rows)


def _holdout_size(policy: Policy, rows: int) -> int:
    spec = policy.data.holdout
    wanted = spec.rows if spec.rows is not None else round(rows * (spec.fraction or 0.0))
    return min(max(1, wanted), rows - 1)


def _log_rows(root: str, name: str, window: Window) -> _Rows:
    if window.rows is None:
        table = _labelled(
            read_inference_log(
                root, name, start=window.start_ms, end=window.end_ms, routes=LOG_ROUTES
            )
        )
    else:
        # The newest rows may be unlabelled yet: read further back until enough are labelled.
        asked = window.rows
        while True:
            raw = read_inference_log(
                root, name, end=window.end_ms, last_rows=asked, routes=LOG_ROUTES
            )
            table = _labelled(raw)
            if table.num_rows >= window.rows or raw.num_rows < asked:
                break
            asked *= _LOG_GROWTH
    stamps = table.column("timestamp").cast(pa.int64()).to_numpy(zero_copy_only=False)
    labels = table.column(LABEL_COLUMN).to_pandas().rename(LABEL_COLUMN)
    return _Rows(
        feature_frame(table),
        labels,
        np.asarray(stamps, dtype=np.int64),
        np.ones(table.num_rows, dtype=bool),
    )


def _labelled(table: pa.Table) -> pa.Table:
    return table.filter(pc.is_valid(table.column(LABEL_COLUMN)))


def _loader_rows(policy: Policy, window: Window, *, need_time: bool) -> _Rows:
    reference = policy.data.loader
    assert reference is not None  # noqa: S101 - the policy requires it for these sources
    where = str(reference)
    frame = resolve_function(reference, field="data.loader")(window)
    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(
            f"the loader {where} returned a {type(frame).__qualname__}, not a DataFrame",
            field="data.loader",
        )
    if not all(isinstance(name, str) for name in frame.columns):
        raise InvalidParameterError(
            f"the loader {where} returned non-string column names", field="data.loader"
        )
    if LABEL_COLUMN not in frame.columns:
        raise InvalidParameterError(
            f"the loader {where} returned no {LABEL_COLUMN!r} column", field="data.loader"
        )
    if need_time and TIMESTAMP_COLUMN not in frame.columns:
        raise InvalidParameterError(
            f"the loader {where} must return a {TIMESTAMP_COLUMN!r} column when data.source "
            "is 'both', to put its rows in time order with the log's",
            field="data.loader",
        )
    frame = frame.loc[frame[LABEL_COLUMN].notna().to_numpy(dtype=bool)]
    stamps = None
    if TIMESTAMP_COLUMN in frame.columns:
        stamps = _milliseconds(frame[TIMESTAMP_COLUMN], where)
        inside = stamps < window.end_ms
        if window.start_ms is not None:
            inside &= stamps >= window.start_ms
        order = np.argsort(stamps[inside], kind="stable")
        frame = frame.loc[inside].iloc[order]
        stamps = stamps[inside][order]
    features = frame.drop(columns=[c for c in (LABEL_COLUMN, TIMESTAMP_COLUMN) if c in frame])
    return _Rows(
        features.reset_index(drop=True),
        _plain(frame[LABEL_COLUMN].reset_index(drop=True).rename(LABEL_COLUMN)),
        stamps,
        np.zeros(len(frame), dtype=bool),
    )


def _plain(labels: pd.Series) -> pd.Series:
    """Nullable numbers or booleans (none missing by now) as numpy dtypes, like the log's."""
    dtype = labels.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    if numeric and pd.api.types.is_extension_array_dtype(dtype):
        return labels.astype(dtype.numpy_dtype)
    return labels


def _milliseconds(values: pd.Series, where: str) -> np.ndarray:
    if values.isna().any():
        raise InvalidParameterError(
            f"the loader {where} returned missing timestamps", field="data.loader"
        )
    if pd.api.types.is_datetime64_any_dtype(values):
        moments = pd.to_datetime(values, utc=True)
        epoch = pd.Timestamp(0, tz="UTC")
        return np.asarray((moments - epoch) // pd.Timedelta(milliseconds=1), dtype=np.int64)
    if pd.api.types.is_integer_dtype(values):
        return np.asarray(values, dtype=np.int64)
    raise InvalidParameterError(
        f"the loader {where} returned a {TIMESTAMP_COLUMN!r} column of {values.dtype}; it "
        "must hold datetimes or Unix milliseconds",
        field="data.loader",
    )


def _combined(log: _Rows | None, loader: _Rows | None) -> _Rows:
    if log is None or (loader is not None and len(log) == 0):
        assert loader is not None  # noqa: S101 - the policy names at least one source
        return loader
    if loader is None or len(loader) == 0:
        return log
    assert log.timestamps is not None  # noqa: S101 - log rows always have times
    assert loader.timestamps is not None  # noqa: S101 - required with source 'both'
    if set(log.features.columns) != set(loader.features.columns):
        missing = sorted(set(log.features.columns) - set(loader.features.columns))
        extra = sorted(set(loader.features.columns) - set(log.features.columns))
        raise InvalidParameterError(
            "the loader's feature columns differ from the inference log's: "
            f"missing {missing}, extra {extra}",
            field="data.loader",
        )
    features = pd.concat(
        [log.features, loader.features[list(log.features.columns)]], ignore_index=True
    )
    labels = pd.concat([log.labels, loader.labels], ignore_index=True)
    stamps = np.concatenate([log.timestamps, loader.timestamps])
    order = np.argsort(stamps, kind="stable")
    return _Rows(
        features.iloc[order].reset_index(drop=True),
        labels.iloc[order].reset_index(drop=True).rename(LABEL_COLUMN),
        stamps[order],
        np.concatenate([log.from_log, loader.from_log])[order],
    )


def _digest(rows: _Rows) -> str:
    frame = rows.features.copy()
    frame["__label__"] = rows.labels.to_numpy()
    header = [[str(name), str(dtype)] for name, dtype in frame.dtypes.items()]
    hasher = hashlib.sha256(json.dumps(header).encode())
    try:
        hasher.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): hash their text instead
        hasher.update(frame.to_csv(index=False).encode())
    if rows.timestamps is not None:
        hasher.update(np.ascontiguousarray(rows.timestamps, dtype="<i8").tobytes())
    return f"sha256:{hasher.hexdigest()}"
