"""Background batching of metric points logged through the fluent API.

``driftloop.log_metric`` only appends the point to a per-run buffer. One daemon thread writes
the buffers with ``RunStore.log_batch`` in chunks of at most 1000 points, about every 100 ms or
as soon as 1000 points are waiting. Points of a run are written in the order they were logged.

Failures are not silent: when a write fails, the run's pending points are dropped and a
:class:`MetricFlushError` (chaining the original error) is raised by the next call that logs to,
flushes or ends that run. :func:`flush_metrics`, ``end_run`` and interpreter exit flush.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from driftloop.entities import Metric
from driftloop.errors import DriftloopError, MetricFlushError
from driftloop.store.validation import MAX_METRICS_PER_BATCH

BATCH_SIZE = MAX_METRICS_PER_BATCH
FLUSH_INTERVAL_SECONDS = 0.1
MAX_PENDING_PER_RUN = 100_000

MetricWriter = Callable[[str, Sequence[Metric]], None]

_logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _RunBuffer:
    writer: MetricWriter
    pending: deque[Metric] = field(default_factory=deque)
    # Held while a chunk is taken and written, so two flushers never reorder a run's points.
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    error: MetricFlushError | None = None


class MetricBatcher:
    """Per-run metric buffers drained by one background daemon thread.

    Args:
        batch_size: Most points per ``log_batch`` call.
        interval: Seconds the thread waits for more points before writing a partial batch.
        max_pending: Points one run may have waiting before ``log`` writes them itself
            (bounds memory when logging outpaces the database).
    """

    def __init__(
        self,
        *,
        batch_size: int = BATCH_SIZE,
        interval: float = FLUSH_INTERVAL_SECONDS,
        max_pending: int = MAX_PENDING_PER_RUN,
    ) -> None:
        self._batch_size = batch_size
        self._interval = interval
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._buffers: dict[str, _RunBuffer] = {}
        self._pending_total = 0
        self._thread: threading.Thread | None = None
        self._stopping = False

    def log(self, run_id: str, writer: MetricWriter, metrics: Sequence[Metric]) -> None:
        """Queue points of a run; ``writer(run_id, chunk)`` will write them.

        Raises:
            MetricFlushError: An earlier background write of this run failed; the points of
                this call are not queued.
        """
        with self._lock:
            buffer = self._buffers.get(run_id)
            if buffer is None:
                buffer = self._buffers[run_id] = _RunBuffer(writer)
            error, buffer.error = buffer.error, None
            if error is None:
                was_empty = not buffer.pending
                buffer.pending.extend(metrics)
                self._pending_total += len(metrics)
                size = len(buffer.pending)
                self._start_thread()
                if was_empty or size >= self._batch_size:
                    self._wakeup.notify()
        if error is not None:
            raise error
        if size >= self._max_pending:
            self.flush(run_id)

    def flush(self, run_id: str | None = None) -> None:
        """Write the pending points of one run (or of all runs) now, in the calling thread.

        Raises:
            MetricFlushError: A write of this run (or of any run) failed since the last check.
        """
        with self._lock:
            run_ids = list(self._buffers) if run_id is None else [run_id]
        for each in run_ids:
            self._drain(each)
        with self._lock:
            for each in run_ids:
                buffer = self._buffers.get(each)
                if buffer is not None and buffer.error is not None:
                    error, buffer.error = buffer.error, None
                    raise error

    def forget(self, run_id: str) -> None:
        """Drop the buffer of an ended run (after :meth:`flush`)."""
        with self._lock:
            buffer = self._buffers.pop(run_id, None)
            if buffer is not None:
                self._pending_total -= len(buffer.pending)

    def pending(self, run_id: str | None = None) -> int:
        """Number of points waiting to be written (for one run, or in total)."""
        with self._lock:
            if run_id is None:
                return self._pending_total
            buffer = self._buffers.get(run_id)
            return 0 if buffer is None else len(buffer.pending)

    def close(self) -> None:
        """Flush everything, log (not raise) failures, and stop the background thread."""
        try:
            self.flush()
        except MetricFlushError:
            _logger.exception("driftloop: metric points were lost")
        with self._lock:
            self._stopping = True
            self._wakeup.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        with self._lock:
            for run_id, buffer in self._buffers.items():
                if buffer.error is not None:
                    _logger.error("driftloop: run %s: %s", run_id, buffer.error.message)

    def _start_thread(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(
                target=self._loop, name="driftloop-metric-batcher", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._stopping and self._pending_total == 0:
                    self._wakeup.wait()
                if not self._stopping and self._pending_total < self._batch_size:
                    self._wakeup.wait(timeout=self._interval)
                stopping = self._stopping
                run_ids = [run_id for run_id, buffer in self._buffers.items() if buffer.pending]
            for run_id in run_ids:
                self._drain(run_id)
            if stopping:
                return

    def _drain(self, run_id: str) -> None:
        with self._lock:
            buffer = self._buffers.get(run_id)
        if buffer is None:
            return
        with buffer.write_lock:
            while True:
                with self._lock:
                    count = min(self._batch_size, len(buffer.pending))
                    chunk = [buffer.pending.popleft() for _ in range(count)]
                    self._pending_total -= count
                if not chunk:
                    return
                try:
                    buffer.writer(run_id, chunk)
                except Exception as error:  # noqa: BLE001 - reported to the logging thread
                    self._record_failure(run_id, buffer, len(chunk), error)
                    return

    def _record_failure(
        self, run_id: str, buffer: _RunBuffer, written: int, error: Exception
    ) -> None:
        with self._lock:
            lost = written + len(buffer.pending)
            if self._buffers.get(run_id) is buffer:
                self._pending_total -= len(buffer.pending)
            buffer.pending.clear()
            reason = error.message if isinstance(error, DriftloopError) else type(error).__name__
            failure = MetricFlushError(
                f"{lost} metric point(s) of run {run_id} could not be written: {reason}"
            )
            failure.__cause__ = error
            buffer.error = failure


_singleton_lock = threading.Lock()
_batcher: MetricBatcher | None = None


def get_batcher() -> MetricBatcher:
    """The process-wide batcher used by the fluent API."""
    global _batcher  # noqa: PLW0603 - one background thread per process
    with _singleton_lock:
        if _batcher is None:
            _batcher = MetricBatcher()
        return _batcher


def flush_metrics() -> None:
    """Write every metric point logged with ``driftloop.log_metric(s)`` that is still queued.

    Raises:
        MetricFlushError: A background write failed since the last check.
    """
    with _singleton_lock:
        batcher = _batcher
    if batcher is not None:
        batcher.flush()


def _close_batcher() -> None:
    global _batcher
    with _singleton_lock:
        batcher, _batcher = _batcher, None
    if batcher is not None:
        batcher.close()


def _forget_batcher_after_fork() -> None:
    # The child must not re-write the parent's queued points, nor wait on its thread.
    global _batcher, _singleton_lock  # noqa: PLW0603
    _singleton_lock = threading.Lock()
    _batcher = None


def _reset_for_tests() -> None:
    """Flush and stop the background thread; a later log starts a new one."""
    _close_batcher()


atexit.register(_close_batcher)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_batcher_after_fork)
