"""The latency gate: the challenger's p99 single-row prediction time against a budget."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.ct._gates_report import GateResult, error_text
from driftloop.models.loaded import LoadedModel

__all__ = ["LATENCY_GATE", "LATENCY_ROWS", "LatencyMeasure", "latency_gate", "measure_latency"]

LATENCY_GATE = "latency"
LATENCY_ROWS = 200
"""At most this many rows are predicted one at a time."""


@dataclass(frozen=True, slots=True)
class LatencyMeasure:
    """Timings of single-row predictions.

    Attributes:
        timings: Milliseconds per call, in row order.
        planned: How many calls were planned (the rows available, at most the limit).
        stopped_early: Whether timing stopped because the p99 was already over budget.
    """

    timings: tuple[float, ...]
    planned: int
    stopped_early: bool

    @property
    def p99_ms(self) -> float:
        """The 99th percentile (linear interpolation) of the measured timings."""
        return float(np.percentile(self.timings, 99))

    @property
    def p50_ms(self) -> float:
        """The median of the measured timings."""
        return float(np.percentile(self.timings, 50))


def measure_latency(
    model: Any, data: pd.DataFrame, *, budget_ms: float, rows: int
) -> LatencyMeasure:
    """Time ``model`` on each of the first ``rows`` rows of ``data``, one row per call.

    One call on the first row warms the model up first and is not counted. Timing stops as
    soon as enough calls are over ``budget_ms`` that the p99 of all ``rows`` calls is over
    it whatever the remaining calls take (with 200 rows: 3 calls over budget), so a slow
    challenger is rejected in a few calls.

    Raises:
        Exception: Whatever the model raises (the gate reports it).
    """
    sample = data.iloc[:rows]
    planned = len(sample)
    _predict_one(model, sample.iloc[[0]])
    # With n sorted timings the p99 is at least the one at floor(0.99 * (n - 1)), so that
    # many calls under budget at most; more over budget decide the gate.
    deciding = planned - math.floor(0.99 * (planned - 1))
    timings: list[float] = []
    over = 0
    for position in range(planned):
        started = time.perf_counter()
        _predict_one(model, sample.iloc[[position]])
        elapsed = (time.perf_counter() - started) * 1000.0
        timings.append(elapsed)
        if elapsed > budget_ms:
            over += 1
            if over >= deciding and position < planned - 1:
                return LatencyMeasure(tuple(timings), planned, stopped_early=True)
    return LatencyMeasure(tuple(timings), planned, stopped_early=False)


def _predict_one(model: Any, row: pd.DataFrame) -> None:
    if isinstance(model, LoadedModel):
        model.score(row, probabilities=False)  # as a server scores: no warning machinery
    else:
        model.predict(row)


def latency_gate(model: Any, data: pd.DataFrame, budget_ms: float, rows: int) -> GateResult:
    """The ``latency`` gate: the challenger's p99 over up to ``rows`` single-row calls."""
    evidence: dict[str, Any] = {"budget_ms": budget_ms}
    try:
        measure = measure_latency(model, data, budget_ms=budget_ms, rows=rows)
    except Exception as error:  # noqa: BLE001 - a challenger that cannot predict fails the gate
        evidence["challenger_error"] = error_text(error)
        return GateResult(
            LATENCY_GATE,
            False,
            f"the challenger could not predict: {evidence['challenger_error']}",
            evidence,
        )
    p99 = measure.p99_ms
    evidence.update(
        {
            "p99_ms": p99,
            "p50_ms": measure.p50_ms,
            "max_ms": max(measure.timings),
            "timed_rows": len(measure.timings),
            "planned_rows": measure.planned,
            "stopped_early": measure.stopped_early,
        }
    )
    if measure.stopped_early:
        over = sum(1 for timing in measure.timings if timing > budget_ms)
        message = (
            f"p99 over the budget of {budget_ms:g} ms: {over} of the first "
            f"{len(measure.timings)} single-row predictions took longer (slowest "
            f"{max(measure.timings):.3g} ms)"
        )
        return GateResult(LATENCY_GATE, False, message, evidence)
    passed = p99 <= budget_ms
    relation = "within" if passed else "over"
    message = (
        f"p99 {p99:.3g} ms over {measure.planned} single-row predictions is {relation} the "
        f"budget of {budget_ms:g} ms"
    )
    return GateResult(LATENCY_GATE, passed, message, evidence)
