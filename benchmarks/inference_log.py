"""Inference-log benchmark: submit cost, write throughput and read time, on local disk.

Run it from the repository root::

    .venv/bin/python benchmarks/inference_log.py [--rows 1000000] [--root DIR]

It prints:

* ``submit_us``: mean wall time of one ``InferenceLogWriter.submit`` on the caller's thread
  (one-row requests with 10 features, built before timing), once with the writer thread not
  yet started (the call's own cost) and once with it converting and writing meanwhile (the
  caller then also waits for the GIL).
* ``write_rows_per_s``: scored rows written per second, from the first submit to the end of
  ``close()`` (Arrow conversion + Parquet encoding + files), for ``--rows`` rows in requests of
  10 rows.
* ``read_s``: one ``read_inference_log`` of the whole log (``--rows`` rows), with and without
  the feedback join (1% of rows labelled), and ``find_ids_s`` for 100 ids.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from driftloop.monitoring.inference_log import (
    FeedbackLabel,
    InferenceLogWriter,
    ScoredRequest,
    find_request_ids,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id

FEATURES = 10


def make_requests(count: int, rows: int, seed: int = 0) -> list[ScoredRequest]:
    """``count`` requests of ``rows`` rows, 8 float and 2 string features each."""
    rng = np.random.default_rng(seed)
    now = time.time_ns() // 1_000_000
    frame = pd.DataFrame(
        {
            **{f"f{i}": rng.normal(size=rows) for i in range(FEATURES - 2)},
            "plan": ["basic"] * rows,
            "country": ["de"] * rows,
        }
    )
    return [
        ScoredRequest(
            request_id=new_request_id(),
            timestamp_ms=now + index,
            model_name="churn",
            model_version=1,
            route="champion",
            features=frame,
            predictions=[1] * rows,
            probabilities=[[0.3, 0.7]] * rows,
            latency_ms=1.0,
        )
        for index in range(count)
    ]


def bench_submit(root: str, count: int = 50_000, *, background: bool = True) -> float:
    """Mean µs per ``submit`` of one-row requests (with the writer thread running or not)."""
    requests = make_requests(count, 1)
    writer = InferenceLogWriter(root, "submit-bench", max_queue_rows=count + 1)
    if background:
        writer.start()
    start = time.perf_counter()
    for request in requests:
        writer.submit(request)
    elapsed = time.perf_counter() - start
    writer.close()
    return elapsed / count * 1e6


def bench_write(root: str, rows: int) -> tuple[float, list[ScoredRequest]]:
    """Rows per second written, for ``rows`` rows in 10-row requests."""
    requests = make_requests(rows // 10, 10)
    writer = InferenceLogWriter(root, "read-bench", flush_rows=50_000, max_queue_rows=rows + 10_000)
    writer.start()
    start = time.perf_counter()
    for request in requests:
        writer.submit(request)
    labels = [FeedbackLabel(r.request_id, 1, 0) for r in requests[:: max(1, len(requests) // 1000)]]
    writer.submit_feedback(labels)
    writer.close(timeout=600)
    elapsed = time.perf_counter() - start
    if writer.stats.written_rows != rows + len(labels):
        raise SystemExit(f"rows went missing: {writer.stats}")
    return rows / elapsed, requests


def bench_read(root: str, requests: list[ScoredRequest]) -> dict[str, float]:
    """Seconds to read the whole log, with and without labels, and to look up 100 ids."""
    results = {}
    for with_feedback in (False, True):
        start = time.perf_counter()
        table = read_inference_log(root, "read-bench", with_feedback=with_feedback)
        results[f"read_s (feedback={with_feedback})"] = time.perf_counter() - start
        if table.num_rows != len(requests) * 10:
            raise SystemExit(f"read {table.num_rows} rows, expected {len(requests) * 10}")
    ids = [r.request_id for r in requests[:: max(1, len(requests) // 100)]]
    start = time.perf_counter()
    if len(find_request_ids(root, "read-bench", ids)) != len(ids):
        raise SystemExit("find_request_ids missed written ids")
    results["find_ids_s (100 ids)"] = time.perf_counter() - start
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = str(args.root or scratch)
        print(f"submit_us (writer thread idle): {bench_submit(root, background=False):.2f}")
        print(f"submit_us (writer thread busy): {bench_submit(root):.2f}")
        rows_per_s, requests = bench_write(root, args.rows)
        print(f"write_rows_per_s: {rows_per_s:,.0f}  ({args.rows:,} rows)")
        for name, seconds in bench_read(root, requests).items():
            print(f"{name}: {seconds:.3f}  ({args.rows:,} rows)")


if __name__ == "__main__":
    main()
