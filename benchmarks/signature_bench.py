"""Signature enforcement overhead on top of a scikit-learn ``predict``.

Run it from the repository root::

    .venv/bin/python benchmarks/signature_bench.py

For 1 and 1,000 rows of 10 double features, it times a LogisticRegression and a
RandomForestClassifier(n_estimators=50) ``predict`` alone, ``enforce_signature`` alone and
both together, on three inputs:

- ``exact``: a DataFrame that already matches the signature (the zero-copy fast path);
- ``reorder``: the same columns in reverse order, half of them int64, plus an extra column
  (the one-block numeric path: select, cast int64 → double after the range check, drop);
- ``records``: a list of records (dicts), as a JSON client sends them; enforcement includes
  building the DataFrame (pandas' cost, which any caller pays).

``predict`` alone is timed on the enforced input (scikit-learn refuses reordered columns).
Each figure is the best of 15 interleaved repeats (µs per call); ``overhead %`` is enforcement
alone over predict alone, steadier than the difference of two noisy totals.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import infer_signature

FEATURES = 10
ROW_COUNTS = (1, 1_000)


def _best_us(calls: dict[str, Callable[[], Any]], repeats: int = 15) -> dict[str, float]:
    """Best time per call in µs for each call, the calls interleaved repeat by repeat.

    Interleaving makes a load spike on the machine hit every call alike instead of one.
    """
    numbers = {}
    for name, call in calls.items():
        per_call = max(timeit.timeit(call, number=3) / 3, 1e-7)
        numbers[name] = max(1, int(0.02 / per_call))
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeats):
        for name, call in calls.items():
            elapsed = timeit.timeit(call, number=numbers[name]) / numbers[name]
            best[name] = min(best[name], elapsed * 1e6)
    return best


def _inputs(rows: int, seed: int = 42) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(FEATURES)]
    exact = pd.DataFrame(rng.normal(size=(rows, FEATURES)), columns=names)
    reorder = exact[names[::-1]].copy()
    for name in names[::2]:
        reorder[name] = rng.integers(-1_000, 1_000, size=rows)
    reorder["row_id"] = np.arange(rows)
    records = exact.to_dict(orient="records")
    return {"exact": exact, "reorder": reorder, "records": records}


def bench_enforcement(rows: int) -> dict[str, float]:
    """Time predict, enforcement and both for ``rows`` rows.

    Returns:
        ``{"<model>/<input>/<measure>": value}`` with measures ``predict_us``,
        ``enforce_us``, ``enforce_predict_us`` (µs per call) and ``overhead_pct``.
    """
    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        rng.normal(size=(500, FEATURES)), columns=[f"f{i}" for i in range(FEATURES)]
    )
    labels = (train["f0"] + train["f1"] > 0).astype(int)
    schema = infer_signature(train).inputs
    models = {
        "logistic_regression": LogisticRegression().fit(train, labels),
        "random_forest_50": RandomForestClassifier(n_estimators=50, random_state=0).fit(
            train, labels
        ),
    }
    results: dict[str, float] = {}
    for model_name, model in models.items():
        for input_name, frame in _inputs(rows).items():
            enforced = enforce_signature(frame, schema).data
            timings = _best_us(
                {
                    "predict": lambda m=model, x=enforced: m.predict(x),
                    "enforce": lambda x=frame: enforce_signature(x, schema),
                    "both": lambda m=model, x=frame: m.predict(enforce_signature(x, schema).data),
                }
            )
            key = f"{model_name}/{input_name}"
            results[f"{key}/predict_us"] = timings["predict"]
            results[f"{key}/enforce_us"] = timings["enforce"]
            results[f"{key}/enforce_predict_us"] = timings["both"]
            results[f"{key}/overhead_pct"] = 100 * timings["enforce"] / timings["predict"]
    return results


def main() -> None:
    """Print the table for 1 and 1,000 rows."""
    header = (
        f"{'rows':>6}  {'model':<20} {'input':<8} {'predict µs':>11} {'enforce µs':>11} "
        f"{'both µs':>10} {'overhead %':>11}"
    )
    print(header)
    print("-" * len(header))
    for rows in ROW_COUNTS:
        results = bench_enforcement(rows)
        keys = dict.fromkeys(key.rsplit("/", 1)[0] for key in results)
        for key in keys:
            model_name, input_name = key.split("/")
            print(
                f"{rows:>6}  {model_name:<20} {input_name:<8} "
                f"{results[f'{key}/predict_us']:>11.1f} {results[f'{key}/enforce_us']:>11.1f} "
                f"{results[f'{key}/enforce_predict_us']:>10.1f} "
                f"{results[f'{key}/overhead_pct']:>10.1f}%"
            )


if __name__ == "__main__":
    main()
