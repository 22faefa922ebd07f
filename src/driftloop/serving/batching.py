"""Adaptive micro-batching: concurrent requests coalesced into one model call.

A :class:`MicroBatcher` takes items (one request's rows each) from many coroutines and gives
them, a batch at a time, to a synchronous ``score_batch`` on one dedicated thread, so model
calls of one batcher are serialized and never run on the event loop.

The policy adapts to load, so batching costs nothing when it cannot help:

- **Idle**: a request that finds no batch in flight is scored at once, with whatever arrived
  in the same event-loop turn. At concurrency 1 nothing ever waits for company.
- **Busy**: requests arriving while a batch is being scored queue up; when the model call
  returns, the queue forms the next batch, up to ``max_batch_size`` rows (an item larger
  than that is scored alone). Only items with the same ``batch_key`` share a call; others
  keep their place for a later batch.
- **Deliberate wait**: only under load (the previous batch held several requests) and only
  while the queue is short of ``max_batch_size`` rows does the batcher wait for more, and
  never past ``max_wait_ms`` after the oldest queued request arrived; a request that
  already waited through the previous model call is usually past its deadline and goes
  at once.

If ``score_batch`` raises for a batch of several items, each item is scored alone, so only a
bad request gets its exception and the others their results. ``max_batch_size=1`` disables
batching (every model call gets one item).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from driftloop.errors import DriftloopError, InvalidParameterError

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["BatcherClosedError", "MicroBatcher"]


class BatcherClosedError(DriftloopError):
    """The batcher is closed (the server is shutting down or swapped the model out)."""

    code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


@dataclass(slots=True, eq=False)
class _Pending(Generic[T, R]):
    item: T
    rows: int
    key: Hashable
    future: asyncio.Future[R]
    arrived: float


# What scoring one item gave: (True, result) or (False, the exception to raise).
_Outcome = tuple[bool, Any]


def _one_row(_: object) -> int:
    return 1


def _no_key(_: object) -> None:
    return None


class MicroBatcher(Generic[T, R]):
    """Coalesce concurrent ``submit`` calls into ``score_batch`` calls on one thread.

    Args:
        score_batch: Scores a list of items, returning one result per item, in order. Runs
            on the batcher's thread; may raise (then each item is re-scored alone).
        max_batch_size: Most rows in one call (per ``rows_of``); 1 disables batching.
        max_wait_ms: Longest a request is held back waiting for others (see the module
            docstring; 0 never waits on purpose).
        rows_of: Rows of an item (default 1 per item).
        batch_key: Items share a call only when their keys are equal (default: all equal).
        on_batch: Called on the event loop after each model call with its rows and items.
        name: Name of the scoring thread.

    Raises:
        InvalidParameterError: ``max_batch_size`` < 1 or ``max_wait_ms`` < 0.
    """

    def __init__(
        self,
        score_batch: Callable[[list[T]], list[R]],
        *,
        max_batch_size: int = 64,
        max_wait_ms: float = 2.0,
        rows_of: Callable[[T], int] = _one_row,
        batch_key: Callable[[T], Hashable] = _no_key,
        on_batch: Callable[[int, int], None] | None = None,
        name: str = "driftloop-batcher",
    ) -> None:
        if max_batch_size < 1:
            raise InvalidParameterError(
                f"max_batch_size must be at least 1, got {max_batch_size}", field="max_batch_size"
            )
        if max_wait_ms < 0:
            raise InvalidParameterError(
                f"max_wait_ms must not be negative, got {max_wait_ms}", field="max_wait_ms"
            )
        self._score_batch = score_batch
        self.max_batch_size = max_batch_size
        self.max_wait_ms = max_wait_ms
        self._max_wait = max_wait_ms / 1000
        self._rows_of = rows_of
        self._batch_key = batch_key
        self._on_batch = on_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._queue: collections.deque[_Pending[T, R]] = collections.deque()
        self._queued_rows = 0
        self._runner: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None
        self._closed = False

    @property
    def queued(self) -> int:
        """Requests waiting for a model call (not counting the batch in flight)."""
        return len(self._queue)

    async def submit(self, item: T) -> R:
        """Score ``item`` (possibly with others) and return its own result.

        Raises:
            BatcherClosedError: :meth:`close` was called.
            Exception: Whatever ``score_batch`` raised for this item scored alone.
        """
        if self._closed:
            raise BatcherClosedError("the model is being unloaded; retry the request")
        loop = asyncio.get_running_loop()
        pending: _Pending[T, R] = _Pending(
            item, self._rows_of(item), self._batch_key(item), loop.create_future(), loop.time()
        )
        self._queue.append(pending)
        self._queued_rows += pending.rows
        if self._runner is None:
            self._runner = loop.create_task(self._run())
        elif self._wakeup is not None and self._queued_rows >= self.max_batch_size:
            self._wakeup.set()
        return await pending.future

    async def close(self) -> None:
        """Refuse new items, finish the queued ones, then stop the scoring thread."""
        self._closed = True
        runner = self._runner
        if runner is not None:
            await asyncio.shield(runner)
        self._executor.shutdown(wait=False)

    aclose = close

    async def _run(self) -> None:
        previous_items = 0
        try:
            while self._queue:
                if previous_items > 1:
                    await self._wait_for_more()
                batch = self._take_batch()
                if batch:
                    await self._score(batch)
                previous_items = len(batch)
        except BaseException as error:
            self._fail_queued(error)
            raise
        finally:
            self._runner = None

    async def _wait_for_more(self) -> None:
        if self._max_wait <= 0 or self._queued_rows >= self.max_batch_size:
            return
        loop = asyncio.get_running_loop()
        remaining = self._queue[0].arrived + self._max_wait - loop.time()
        if remaining <= 0:
            return
        self._wakeup = asyncio.Event()
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            pass
        finally:
            self._wakeup = None

    def _take_batch(self) -> list[_Pending[T, R]]:
        """The next batch: the oldest item and the following ones with its key, in order."""
        queue = self._queue
        while queue and queue[0].future.done():  # the caller went away
            self._queued_rows -= queue.popleft().rows
        if not queue:
            return []
        first = queue.popleft()
        batch = [first]
        rows = first.rows
        if len(queue) and rows < self.max_batch_size:
            kept: collections.deque[_Pending[T, R]] = collections.deque()
            while queue:
                pending = queue.popleft()
                if pending.future.done():
                    self._queued_rows -= pending.rows
                elif pending.key == first.key and rows + pending.rows <= self.max_batch_size:
                    batch.append(pending)
                    rows += pending.rows
                else:
                    kept.append(pending)
                    if rows >= self.max_batch_size:
                        break
            kept.extend(queue)
            self._queue = queue = kept
        self._queued_rows -= rows
        return batch

    async def _score(self, batch: list[_Pending[T, R]]) -> None:
        loop = asyncio.get_running_loop()
        items = [pending.item for pending in batch]
        try:
            outcomes = await loop.run_in_executor(self._executor, self._score_in_thread, items)
        except BaseException as error:
            for pending in batch:
                _fail(pending.future, error)
            raise
        for pending, (ok, value) in zip(batch, outcomes, strict=True):
            if pending.future.done():
                continue
            if ok:
                pending.future.set_result(value)
            else:
                pending.future.set_exception(value)
        if self._on_batch is not None:
            self._on_batch(sum(pending.rows for pending in batch), len(batch))

    def _score_in_thread(self, items: list[T]) -> list[_Outcome]:
        try:
            return [(True, result) for result in self._call(items)]
        except Exception as error:  # noqa: BLE001 - handed to the callers, never swallowed
            if len(items) == 1:
                return [(False, error)]
        outcomes: list[_Outcome] = []
        for item in items:
            try:
                outcomes.append((True, self._call([item])[0]))
            except Exception as error:  # noqa: BLE001 - this item's caller gets it
                outcomes.append((False, error))
        return outcomes

    def _call(self, items: list[T]) -> list[R]:
        results = self._score_batch(items)
        if len(results) != len(items):
            raise DriftloopError(
                f"score_batch returned {len(results)} results for {len(items)} items"
            )
        return results

    def _fail_queued(self, error: BaseException) -> None:
        while self._queue:
            _fail(self._queue.popleft().future, error)
        self._queued_rows = 0


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if future.done():
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
    else:
        future.set_exception(error)
