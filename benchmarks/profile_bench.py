"""Reference-profile benchmark: ``build_profile`` time and peak memory on synthetic frames.

Run it from the repository root::

    .venv/bin/python benchmarks/profile_bench.py

It prints one row per case: 100k and 1M rows x 50 columns, numeric-only (float64, 2% NaN) and
mixed (40 float64 columns + 10 string columns of ~100 distinct values, 2% missing, in pandas'
default string dtype and again as ``object``). Data generation is not timed.

* ``seconds``: wall time of one ``build_profile`` call (best of ``repeat`` runs).
* ``peak_mb``: peak of the memory *allocated during* the call, measured with ``tracemalloc``
  in a separate run (numpy and pandas report their buffers to it); the input frame itself is
  not counted. tracemalloc slows Python code a little, hence the separate run.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd

from driftloop.monitoring import build_profile

_CATEGORIES = np.array([f"category-{index:03d}" for index in range(100)], dtype=object)


def make_frame(rows: int, cols: int, *, mixed: bool, strings: str = "str") -> pd.DataFrame:
    """A synthetic frame; in ``mixed`` mode a fifth of the columns are strings."""
    rng = np.random.default_rng(0)
    string_cols = cols // 5 if mixed else 0
    columns: dict[str, object] = {}
    for index in range(cols - string_cols):
        values = rng.normal(index, 1.0 + index, size=rows)
        values[rng.random(rows) < 0.02] = np.nan
        columns[f"num_{index}"] = values
    for index in range(string_cols):
        values = _CATEGORIES[rng.integers(0, len(_CATEGORIES), size=rows)]
        values[rng.random(rows) < 0.02] = None
        columns[f"cat_{index}"] = pd.Series(values, dtype=strings)
    return pd.DataFrame(columns)


def bench_profile(
    rows: int, cols: int, *, mixed: bool, strings: str = "str", repeat: int = 1
) -> dict[str, float]:
    """Time and peak memory of profiling a ``rows`` x ``cols`` synthetic frame.

    Returns:
        ``{"rows", "cols", "seconds", "peak_mb"}``; ``seconds`` is the best of ``repeat``
        runs, ``peak_mb`` the tracemalloc peak (MiB) of one more run.
    """
    frame = make_frame(rows, cols, mixed=mixed, strings=strings)
    build_profile(frame.head(1000))  # warm imports and caches
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        build_profile(frame)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    try:
        build_profile(frame)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"rows": rows, "cols": cols, "seconds": best, "peak_mb": peak / 2**20}


def main() -> None:
    """Print the benchmark table."""
    cases = [
        (100_000, "numeric", False, "str", 3),
        (100_000, "mixed (str dtype)", True, "str", 3),
        (100_000, "mixed (object)", True, "object", 3),
        (1_000_000, "numeric", False, "str", 2),
        (1_000_000, "mixed (str dtype)", True, "str", 2),
        (1_000_000, "mixed (object)", True, "object", 2),
    ]
    print(f"{'rows':>10}  {'cols':>4}  {'columns':<18}  {'seconds':>8}  {'peak MiB':>9}")
    for rows, label, mixed, strings, repeat in cases:
        result = bench_profile(rows, 50, mixed=mixed, strings=strings, repeat=repeat)
        print(
            f"{rows:>10,}  {50:>4}  {label:<18}  {result['seconds']:>8.3f}  "
            f"{result['peak_mb']:>9.1f}"
        )


if __name__ == "__main__":
    main()
