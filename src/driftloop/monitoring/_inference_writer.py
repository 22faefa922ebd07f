"""The background writer of the inference log: a bounded queue drained by one daemon thread.

``submit`` only checks lengths and appends to a queue (no Arrow work on the caller's thread);
the thread turns batches into Parquet files (predictions, failures and feedback apart). The
queue is bounded in rows, counting rows being written: when full, ``submit`` waits up to
``block_seconds`` for room, then drops the request and counts its rows. A failed write is
retried once after a short backoff, then its rows are counted as dropped and the thread goes
on. See ``docs/inference-log.md``.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from driftloop.errors import InvalidParameterError
from driftloop.monitoring._inference_records import (
    FailedRequest,
    FeedbackLabel,
    ScoredRequest,
    WriterStats,
)
from driftloop.monitoring._inference_storage import (
    Kind,
    LogStorage,
    open_storage,
    utc_date,
    validate_segment,
)
from driftloop.monitoring._inference_tables import (
    failures_table,
    feedback_table,
    predictions_table,
)

_logger = logging.getLogger(__name__)
RETRY_BACKOFF_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class _Item:
    seq: int
    rows: int
    enqueued: float
    request: ScoredRequest | None = None
    failure: FailedRequest | None = None
    labels: Sequence[FeedbackLabel] = ()
    submitted_ms: int = 0


def default_worker_id() -> str:
    """``<hostname>-<pid>-<random4>``, made safe as one path segment."""
    host = "".join(c if c.isalnum() or c in "._-" else "-" for c in socket.gethostname())
    return f"{host.strip('.-_') or 'host'}-{os.getpid()}-{secrets.token_hex(2)}"


class InferenceLogWriter:
    """Writes scored requests, failed requests and feedback labels of one deployment to Parquet.

    Thread-safe; ``submit`` is cheap and never raises on storage errors (they are counted in
    :attr:`stats`). Call :meth:`close` on shutdown (SIGTERM): it drains the queue.

    Args:
        root_uri: Local path, ``file://`` URI or ``s3://bucket/prefix[?endpoint_url=&region=]``.
        deployment: Deployment name; the first path segment below the root.
        worker_id: Prefix of this writer's file names (default ``<host>-<pid>-<random4>``).
        flush_rows: Write when this many rows are waiting.
        flush_seconds: Write when the oldest waiting row is this old.
        max_queue_rows: Most rows waiting or being written; beyond it requests are dropped.
        block_seconds: How long ``submit`` waits for room in a full queue before dropping.
        filesystem: An fsspec filesystem to write through instead of the one ``root_uri``
            implies (``root_uri`` is then a path in it); for wrappers and tests.

    Raises:
        InvalidParameterError: A bad deployment, worker id, URI or limit.
    """

    def __init__(
        self,
        root_uri: str,
        deployment: str,
        *,
        worker_id: str | None = None,
        flush_rows: int = 10_000,
        flush_seconds: float = 5.0,
        max_queue_rows: int = 200_000,
        block_seconds: float = 0.05,
        filesystem: Any = None,
    ) -> None:
        for name, value in (("flush_rows", flush_rows), ("max_queue_rows", max_queue_rows)):
            if value < 1:
                raise InvalidParameterError(f"{name} must be at least 1", field=name)
        if flush_seconds <= 0 or block_seconds < 0:
            raise InvalidParameterError(
                "flush_seconds must be > 0 and block_seconds >= 0", field="flush_seconds"
            )
        self._storage: LogStorage = open_storage(root_uri, deployment, filesystem)
        self.deployment = deployment
        self.worker_id = validate_segment(worker_id or default_worker_id(), "worker_id")
        self._flush_rows = flush_rows
        self._flush_seconds = flush_seconds
        self._max_rows = max_queue_rows
        self._block_seconds = block_seconds
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: deque[_Item] = deque()
        self._queued_rows = 0  # waiting + being written
        self._waiting_rows = 0  # waiting only
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._done_seq = 0
        self._flush_wanted = 0
        self._file_seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._closed = False
        self._written_rows = self._dropped_rows = self._written_files = self._failed = 0
        self._last_error: str | None = None

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        with self._lock:
            if self._thread is not None or self._closing:
                return
            self._thread = threading.Thread(
                target=self._run, name=f"inference-log-{self.deployment}", daemon=True
            )
            self._thread.start()

    def submit(self, request: ScoredRequest) -> bool:
        """Queue a scored request; False when it was dropped (queue full or writer closed).

        Raises:
            InvalidParameterError: Bad route, or prediction/probability counts that do not
                match the number of feature rows.
        """
        rows = request.check()
        return self._enqueue(rows, request=request)

    def submit_failure(self, failure: FailedRequest) -> bool:
        """Queue a failed request (one row); False when it was dropped.

        Raises:
            InvalidParameterError: A bad route or a status that is not 400-599.
        """
        failure.check()
        return self._enqueue(1, failure=failure)

    def submit_feedback(self, labels: Sequence[FeedbackLabel]) -> bool:
        """Queue feedback labels; False when dropped (queue full or writer closed)."""
        if not labels:
            return True
        now_ms = time.time_ns() // 1_000_000
        return self._enqueue(len(labels), labels=tuple(labels), submitted_ms=now_ms)

    def flush(self, timeout: float | None = None) -> None:
        """Return once everything submitted before the call is written (or dropped).

        Raises:
            TimeoutError: Not written within ``timeout`` seconds.
        """
        self.start()
        with self._lock:
            target = self._last_seq
            self._flush_wanted = max(self._flush_wanted, target)
            self._changed.notify_all()
            if not self._changed.wait_for(lambda: self._done_seq >= target, timeout):
                raise TimeoutError(f"inference log not flushed within {timeout} s")

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, stop the thread; later submits are dropped. Idempotent.

        Raises:
            TimeoutError: The queue was not drained within ``timeout`` seconds.
        """
        with self._lock:
            if self._closed:
                return
            self._closing = True
            thread = self._thread
            self._changed.notify_all()
        if thread is None:
            self._drain_here()
        else:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"inference log writer did not drain within {timeout} s")
        with self._lock:
            self._closed = True

    @property
    def stats(self) -> WriterStats:
        """A snapshot of the counters."""
        with self._lock:
            return WriterStats(
                queued_rows=self._queued_rows,
                written_rows=self._written_rows,
                dropped_rows=self._dropped_rows,
                written_files=self._written_files,
                failed_writes=self._failed,
                last_error=self._last_error,
            )

    def _enqueue(self, rows: int, **fields: Any) -> bool:
        now = time.monotonic()
        with self._lock:
            full = self._queued_rows + rows > self._max_rows
            if full and not self._closing and rows <= self._max_rows:
                self._changed.wait_for(
                    lambda: self._closing or self._queued_rows + rows <= self._max_rows,
                    self._block_seconds,
                )
            if self._closing or self._queued_rows + rows > self._max_rows:
                self._dropped_rows += rows
                return False
            seq = next(self._seq)
            self._last_seq = seq
            self._queue.append(_Item(seq=seq, rows=rows, enqueued=now, **fields))
            self._queued_rows += rows
            self._waiting_rows += rows
            # Wake the thread for a full batch, or to start the timer of a first row.
            waiting = self._waiting_rows
            if waiting - rows < self._flush_rows <= waiting or len(self._queue) == 1:
                self._changed.notify_all()
        return True

    def _due(self) -> bool:
        if not self._queue:
            return False
        return (
            self._closing
            or self._flush_wanted > self._done_seq
            or self._waiting_rows >= self._flush_rows
            or time.monotonic() - self._queue[0].enqueued >= self._flush_seconds
        )

    def _take(self) -> list[_Item]:
        items = list(self._queue)
        self._queue.clear()
        self._waiting_rows = 0
        return items

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._due():
                    if self._closing and not self._queue:
                        return
                    wait = None
                    if self._queue:
                        age = time.monotonic() - self._queue[0].enqueued
                        wait = max(self._flush_seconds - age, 0.001)
                    self._changed.wait(wait)
                items = self._take()
            self._write(items)

    def _drain_here(self) -> None:
        with self._lock:
            items = self._take()
        if items:
            self._write(items)

    def _write(self, items: list[_Item]) -> None:
        """Write one batch (a file per kind, date and feature columns) and settle its rows."""
        try:
            for kind, date, batch in self._groups(items):
                for table in self._convert(kind, batch):
                    self._write_file(kind, date, table)
        finally:
            with self._lock:
                self._queued_rows -= sum(item.rows for item in items)
                self._done_seq = max(self._done_seq, items[-1].seq)
                self._changed.notify_all()

    def _groups(self, items: list[_Item]) -> list[tuple[Kind, str, list[Any]]]:
        requests: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        labels: dict[str, list[Any]] = {}
        failures: dict[str, list[Any]] = {}
        for item in items:
            if item.failure is not None:
                failures.setdefault(utc_date(item.failure.timestamp_ms), []).append(item.failure)
            if item.request is not None:
                request = item.request
                key = (utc_date(request.timestamp_ms), tuple(map(str, request.features.columns)))
                requests.setdefault(key, []).append(request)
            for label in item.labels:
                stamped = label.timestamp_ms or item.submitted_ms
                labels.setdefault(utc_date(stamped), []).append(
                    FeedbackLabel(label.request_id, label.label, label.row_index, stamped)
                )
        groups: list[tuple[Kind, str, list[Any]]] = [
            ("predictions", date, batch) for (date, _), batch in requests.items()
        ]
        groups.extend(("feedback", date, batch) for date, batch in labels.items())
        groups.extend(("failures", date, batch) for date, batch in failures.items())
        return groups

    def _convert(self, kind: Kind, batch: list[Any]) -> list[pa.Table]:
        """Arrow tables of a group; a request that cannot be converted is dropped alone."""
        try:
            if kind == "feedback":
                return [feedback_table(batch, 0)]
            if kind == "failures":
                return [failures_table(batch, self.deployment)]
            return [predictions_table(batch, self.deployment)]
        except Exception as exc:  # bad data must not stop the thread
            if len(batch) > 1:  # find the culprit: convert one by one
                return [table for one in batch for table in self._convert(kind, [one])]
            rows = len(batch[0].features) if kind == "predictions" else 1
            _logger.exception("inference log: could not convert a %s record; dropped", kind)
            with self._lock:
                self._failed += 1
                self._dropped_rows += rows
                self._last_error = f"{type(exc).__name__} converting {kind} to Arrow"
            return []

    def _write_file(self, kind: Kind, date: str, table: pa.Table) -> None:
        rows = table.num_rows
        first_ms = int(pc.min(table.column("timestamp")).value)
        name = f"{self.worker_id}-{first_ms}-{next(self._file_seq):06d}.parquet"
        path = f"{self._storage.partition(kind, date)}/{name}"
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        data = buffer.getvalue()
        for attempt in (1, 2):
            try:
                self._storage.put(path, data)
            except Exception as exc:  # noqa: BLE001 - storage errors are counted, not raised
                if attempt == 1:
                    _logger.warning("inference log: writing a %s file failed; retrying", kind)
                    time.sleep(RETRY_BACKOFF_SECONDS)
                    continue
                _logger.error(  # noqa: TRY400 - driver text may quote URIs; class name only
                    "inference log: dropped %d %s rows: %s", rows, kind, type(exc).__name__
                )
                with self._lock:
                    self._failed += 1
                    self._dropped_rows += rows
                    self._last_error = f"{type(exc).__name__} writing {kind}/date={date}/{name}"
                return
            with self._lock:
                self._written_rows += rows
                self._written_files += 1
            return
