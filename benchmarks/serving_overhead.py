"""Per-request cost of the scoring server's request path, without HTTP and without the model.

Run it from the repository root::

    .venv/bin/python benchmarks/serving_overhead.py

For a single-row request of 10 double features in each JSON format (and CSV), it times:

- ``parse``: ``parse_invocations_request`` (JSON decode, validation, the ``ModelInput``);
- ``data``: building what ``predict`` gets for one request (the DataFrame of a ``rows`` input);
- ``combine64``: ``combine_inputs`` of 64 such requests plus building their one DataFrame,
  divided by 64 (the per-request share of a full micro-batch);
- ``split64``: ``split_predictions`` of 64 predictions into 64 requests, divided by 64;
- ``encode``: ``encode_invocations_response`` of one prediction;
- ``v1 encode``: ``encode_predict_response`` of one prediction with two class probabilities;
- ``total``: parse + encode + the per-request batch share (combine64 + split64), i.e. what one
  request costs in our code at high concurrency, besides HTTP and the model call.

Each figure is the best of 7 repeats, in µs per request.

Then the MicroBatcher round trip (submit → scoring thread → result) with a model call that
does nothing, at concurrency 1, 8 and 64: µs per request and the mean items per model call.
"""

from __future__ import annotations

import asyncio
import json
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from driftloop.serving.batching import MicroBatcher
from driftloop.serving.formats import (
    combine_inputs,
    encode_invocations_response,
    encode_predict_response,
    parse_invocations_request,
    split_predictions,
)

FEATURES = 10
BATCH = 64
COLUMNS = [f"f{i}" for i in range(FEATURES)]
ROW = [round(0.1 * i + 0.05, 3) for i in range(FEATURES)]
BODIES: dict[str, tuple[bytes, str]] = {
    "dataframe_split": (
        json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [ROW]}}).encode(),
        "application/json",
    ),
    "dataframe_records": (
        json.dumps({"dataframe_records": [dict(zip(COLUMNS, ROW, strict=True))]}).encode(),
        "application/json",
    ),
    "instances": (
        json.dumps({"instances": [dict(zip(COLUMNS, ROW, strict=True))]}).encode(),
        "application/json",
    ),
    "inputs (columns)": (
        json.dumps(
            {"inputs": {name: [value] for name, value in zip(COLUMNS, ROW, strict=True)}}
        ).encode(),
        "application/json",
    ),
    "inputs (tensor)": (json.dumps({"inputs": [ROW]}).encode(), "application/json"),
    "csv": ((",".join(COLUMNS) + "\n" + ",".join(map(str, ROW)) + "\n").encode(), "text/csv"),
}


def _best_us(call: Callable[[], Any], per: int = 1, repeats: int = 7) -> float:
    once = max(timeit.timeit(call, number=3) / 3, 1e-7)
    number = max(1, int(0.05 / once))
    best = min(timeit.repeat(call, number=number, repeat=repeats)) / number
    return best * 1e6 / per


def main() -> None:
    prediction = np.array([1])
    predictions = np.arange(BATCH)
    probabilities = np.array([[0.25, 0.75]])
    counts = [1] * BATCH
    encode_us = _best_us(lambda: encode_invocations_response(prediction))
    v1_us = _best_us(
        lambda: encode_predict_response(
            request_id="0b7e2a4c-8d51-4c0e-9a7e-3f2b1c9d8e7f",
            model_name="churn",
            model_version=3,
            route="champion",
            predictions=prediction,
            probabilities=probabilities,
            classes=(0, 1),
        )
    )
    split_us = _best_us(lambda: split_predictions(predictions, counts), per=BATCH)
    header = (
        f"{'format':<18}{'parse':>9}{'data':>9}{'combine64':>11}{'split64':>9}"
        f"{'encode':>9}{'v1 encode':>11}{'total':>9}"
    )
    print("µs per single-row request (10 double features)")
    print(header)
    for name, (body, content_type) in BODIES.items():
        parse_us = _best_us(lambda b=body, c=content_type: parse_invocations_request(b, c))
        one = parse_invocations_request(body, content_type)
        data_us = _best_us(lambda one=one: one.data)
        many = [parse_invocations_request(body, content_type) for _ in range(BATCH)]
        combine_us = _best_us(lambda many=many: combine_inputs(many).data, per=BATCH)
        total = parse_us + combine_us + split_us + encode_us
        print(
            f"{name:<18}{parse_us:>9.1f}{data_us:>9.1f}{combine_us:>11.1f}{split_us:>9.1f}"
            f"{encode_us:>9.1f}{v1_us:>11.1f}{total:>9.1f}"
        )


async def _batcher_round_trips(concurrency: int, requests: int) -> tuple[float, float]:
    calls: list[int] = []

    def score(items: list[int]) -> list[int]:
        calls.append(len(items))
        return items

    batcher = MicroBatcher(score, max_batch_size=64, max_wait_ms=1)

    async def client(count: int) -> None:
        for value in range(count):
            await batcher.submit(value)

    started = time.perf_counter()
    await asyncio.gather(*(client(requests // concurrency) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await batcher.close()
    return elapsed * 1e6 / requests, sum(calls) / len(calls)


def batcher_main() -> None:
    print("\nMicroBatcher round trip (empty model call)")
    print(f"{'concurrency':<14}{'µs/request':>12}{'items/call':>12}")
    for concurrency in (1, 8, 64):
        best = min(
            (asyncio.run(_batcher_round_trips(concurrency, 6400)) for _ in range(3)),
            key=lambda pair: pair[0],
        )
        print(f"{concurrency:<14}{best[0]:>12.1f}{best[1]:>12.1f}")


if __name__ == "__main__":
    main()
    batcher_main()
