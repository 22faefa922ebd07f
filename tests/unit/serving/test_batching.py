"""MicroBatcher: every caller gets its own result, under concurrency and failures."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import DriftloopError, InvalidParameterError
from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import ColumnSpec, DataType, Schema
from driftloop.serving.batching import BatcherClosedError, MicroBatcher
from driftloop.serving.formats import (
    ModelInput,
    combine_inputs,
    parse_invocations_request,
    split_predictions,
)

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class Recorder:
    """A score_batch that doubles numbers, remembers its calls and can be slow or picky."""

    def __init__(self, delay: float = 0.0, bad: Callable[[int], bool] = lambda _: False) -> None:
        self.calls: list[list[int]] = []
        self.threads: set[int] = set()
        self.delay = delay
        self.bad = bad

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        self.threads.add(threading.get_ident())
        if self.delay:
            time.sleep(self.delay)
        for item in items:
            if self.bad(item):
                raise ValueError(f"bad item {item}")
        return [item * 2 for item in items]


def test_hundreds_of_concurrent_submits_each_get_their_own_result() -> None:
    scorer = Recorder(delay=0.002)

    async def main() -> list[int]:
        batcher = MicroBatcher(scorer, max_batch_size=16, max_wait_ms=1)
        results = await asyncio.gather(*(batcher.submit(i) for i in range(600)))
        await batcher.close()
        return results

    results = run(main())
    assert results == [i * 2 for i in range(600)]
    sizes = [len(call) for call in scorer.calls]
    assert sum(sizes) == 600
    assert max(sizes) == 16  # batching happened, within the limit
    assert len(scorer.calls) < 100
    assert sorted(item for call in scorer.calls for item in call) == list(range(600))


def test_concurrent_arrivals_over_time_are_coalesced_and_correct() -> None:
    scorer = Recorder(delay=0.001)

    async def caller(batcher: MicroBatcher[int, int], value: int) -> int:
        await asyncio.sleep((value % 17) / 2000)
        return await batcher.submit(value)

    async def main() -> list[int]:
        batcher = MicroBatcher(scorer, max_batch_size=32, max_wait_ms=2)
        results = await asyncio.gather(*(caller(batcher, i) for i in range(400)))
        await batcher.close()
        return results

    assert run(main()) == [i * 2 for i in range(400)]
    assert any(len(call) > 1 for call in scorer.calls)


def test_rows_of_bounds_each_model_call() -> None:
    calls: list[list[list[int]]] = []

    def score(items: list[list[int]]) -> list[int]:
        calls.append(items)
        time.sleep(0.001)
        return [sum(item) for item in items]

    async def main() -> list[int]:
        batcher: MicroBatcher[list[int], int] = MicroBatcher(
            score, max_batch_size=10, max_wait_ms=0, rows_of=len
        )
        items = [list(range(n % 7 + 1)) for n in range(200)] + [list(range(25))]
        results = await asyncio.gather(*(batcher.submit(item) for item in items))
        await batcher.close()
        assert results == [sum(item) for item in items]
        return [sum(len(item) for item in call) for call in calls]

    rows_per_call = run(main())
    assert max(rows_per_call) == 25  # an item larger than the limit goes alone
    assert sorted(rows_per_call)[-2] <= 10


def test_a_failing_batch_is_rescored_item_by_item() -> None:
    scorer = Recorder(delay=0.002, bad=lambda item: item % 10 == 3)

    async def main() -> list[int | BaseException]:
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=1)
        results = await asyncio.gather(
            *(batcher.submit(i) for i in range(100)), return_exceptions=True
        )
        await batcher.close()
        return results

    results = run(main())
    for value, result in enumerate(results):
        if value % 10 == 3:
            assert isinstance(result, ValueError)
            assert str(result) == f"bad item {value}"
        else:
            assert result == value * 2
    assert any(len(call) > 1 and any(i % 10 == 3 for i in call) for call in scorer.calls)


def test_idle_batcher_scores_a_lone_request_at_once() -> None:
    scorer = Recorder()

    async def main() -> list[float]:
        batcher = MicroBatcher(scorer, max_batch_size=64, max_wait_ms=500)
        durations = []
        for value in range(20):
            started = time.perf_counter()
            assert await batcher.submit(value) == value * 2
            durations.append(time.perf_counter() - started)
        await batcher.close()
        return durations

    durations = run(main())
    assert max(durations) < 0.1  # far below max_wait_ms: nobody waited for company
    assert [len(call) for call in scorer.calls] == [1] * 20


def test_under_load_the_wait_gathers_more_but_is_bounded() -> None:
    scorer = Recorder(delay=0.02)

    async def main() -> tuple[float, list[list[int]]]:
        batcher = MicroBatcher(scorer, max_batch_size=64, max_wait_ms=150)
        first = asyncio.gather(batcher.submit(0), batcher.submit(1))  # scored together
        await asyncio.sleep(0.005)
        started = time.perf_counter()
        late = asyncio.ensure_future(batcher.submit(2))  # queued during the first call
        await asyncio.sleep(0.05)  # first call done; the batcher is waiting for company
        later = asyncio.ensure_future(batcher.submit(3))
        await asyncio.gather(first, late, later)
        elapsed = time.perf_counter() - started
        await batcher.close()
        return elapsed, scorer.calls

    elapsed, calls = run(main())
    assert calls == [[0, 1], [2, 3]]
    assert elapsed < 0.15 + 0.02 + 0.1  # bounded by max_wait_ms after the late arrival


def test_full_queue_stops_the_wait() -> None:
    scorer = Recorder(delay=0.02)

    async def main() -> float:
        batcher = MicroBatcher(scorer, max_batch_size=4, max_wait_ms=5000)
        first = asyncio.gather(batcher.submit(0), batcher.submit(1))
        await asyncio.sleep(0.005)
        started = time.perf_counter()
        await asyncio.gather(first, *(batcher.submit(v) for v in range(2, 6)))
        await batcher.close()
        return time.perf_counter() - started

    assert run(main()) < 1.0
    assert scorer.calls == [[0, 1], [2, 3, 4, 5]]


def test_max_batch_size_one_disables_batching() -> None:
    scorer = Recorder(delay=0.001)

    async def main() -> list[int]:
        batcher = MicroBatcher(scorer, max_batch_size=1, max_wait_ms=10)
        results = await asyncio.gather(*(batcher.submit(i) for i in range(50)))
        await batcher.close()
        return results

    assert run(main()) == [i * 2 for i in range(50)]
    assert all(len(call) == 1 for call in scorer.calls)


def test_items_only_share_a_call_with_the_same_key() -> None:
    scorer = Recorder(delay=0.002)

    async def main() -> list[int]:
        batcher = MicroBatcher(
            scorer, max_batch_size=50, max_wait_ms=1, batch_key=lambda item: item % 3
        )
        results = await asyncio.gather(*(batcher.submit(i) for i in range(120)))
        await batcher.close()
        return results

    assert run(main()) == [i * 2 for i in range(120)]
    for call in scorer.calls:
        assert len({item % 3 for item in call}) == 1
        assert call == sorted(call)  # queue order kept within a key


def test_scoring_runs_on_one_dedicated_thread() -> None:
    scorer = Recorder(delay=0.001)

    async def main() -> int:
        batcher = MicroBatcher(scorer, max_batch_size=4)
        await asyncio.gather(*(batcher.submit(i) for i in range(40)))
        await batcher.close()
        return threading.get_ident()

    loop_thread = run(main())
    assert len(scorer.threads) == 1
    assert loop_thread not in scorer.threads


def test_close_finishes_queued_work_then_refuses() -> None:
    scorer = Recorder(delay=0.005)

    async def main() -> None:
        batcher = MicroBatcher(scorer, max_batch_size=2, max_wait_ms=0)
        pending = [asyncio.ensure_future(batcher.submit(i)) for i in range(10)]
        await asyncio.sleep(0)
        await batcher.close()
        assert all(task.done() for task in pending)
        assert [task.result() for task in pending] == [i * 2 for i in range(10)]
        with pytest.raises(BatcherClosedError, match="being unloaded") as caught:
            await batcher.submit(99)
        assert caught.value.http_status == 503

    run(main())


def test_a_cancelled_caller_is_not_scored() -> None:
    scorer = Recorder(delay=0.02)

    async def main() -> None:
        batcher = MicroBatcher(scorer, max_batch_size=8, max_wait_ms=0)
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.005)  # 0 is in flight
        gone = asyncio.ensure_future(batcher.submit(1))
        kept = asyncio.ensure_future(batcher.submit(2))
        await asyncio.sleep(0)
        gone.cancel()
        assert await first == 0
        assert await kept == 4
        await batcher.close()

    run(main())
    assert scorer.calls == [[0], [2]]


def test_wrong_number_of_results_is_an_error() -> None:
    async def main() -> None:
        batcher: MicroBatcher[int, int] = MicroBatcher(lambda _: [], max_batch_size=4)
        with pytest.raises(DriftloopError, match="returned 0 results for 1 items"):
            await batcher.submit(1)
        await batcher.close()

    run(main())


def test_on_batch_reports_rows_and_items() -> None:
    seen: list[tuple[int, int]] = []

    async def main() -> None:
        batcher: MicroBatcher[list[int], int] = MicroBatcher(
            lambda items: [len(item) for item in items],
            rows_of=len,
            on_batch=lambda rows, items: seen.append((rows, items)),
        )
        await asyncio.gather(batcher.submit([1, 2]), batcher.submit([3]))
        await batcher.close()

    run(main())
    assert seen == [(3, 2)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"max_batch_size": 0}, "max_batch_size"), ({"max_wait_ms": -1}, "max_wait_ms")],
)
def test_invalid_settings(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError, match="must") as caught:
        MicroBatcher(Recorder(), **kwargs)
    assert caught.value.field == field


SCHEMA = Schema(columns=(ColumnSpec("x", DataType.DOUBLE), ColumnSpec("y", DataType.DOUBLE)))


def test_model_inputs_through_the_batcher_get_their_own_rows() -> None:
    """The serving path: parse, coalesce, enforce, predict once, split, answer each caller."""
    batch_rows: list[int] = []

    def score(requests: list[ModelInput]) -> list[Any]:
        combined = combine_inputs(requests)
        frame = enforce_signature(combined.data, SCHEMA).data
        assert isinstance(frame, pd.DataFrame)
        batch_rows.append(len(frame))
        time.sleep(0.001)
        predictions = (frame["x"] * 1000 + frame["y"]).to_numpy()
        return split_predictions(predictions, [request.num_rows for request in requests])

    def request(n: int) -> bytes:
        rows = ",".join(f'{{"x": {n}, "y": {k}}}' for k in range(n % 3 + 1))
        return f'{{"dataframe_records": [{rows}]}}'.encode()

    async def main() -> list[np.ndarray]:
        batcher = MicroBatcher(
            score,
            max_batch_size=32,
            max_wait_ms=1,
            rows_of=lambda item: item.num_rows,
            batch_key=lambda item: item.batch_key,
        )
        inputs = [parse_invocations_request(request(n), "application/json") for n in range(300)]
        results = await asyncio.gather(*(batcher.submit(item) for item in inputs))
        await batcher.close()
        return results

    results = run(main())
    for n, predictions in enumerate(results):
        assert predictions.tolist() == [n * 1000 + k for k in range(n % 3 + 1)]
    assert max(batch_rows) > 3
