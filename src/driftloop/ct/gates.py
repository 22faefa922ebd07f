"""Offline gates: what a retrained challenger must pass before it sees any traffic.

:func:`evaluate_gates` runs, on the same time-ordered holdout for both models:

* ``metric``: the challenger beats the champion on the policy's metric by at least the
  margin, in the metric's better direction (a margin of 0 lets a tie pass);
* ``slice:<column>=<value>``: the same rule on the rows of each value of each slice column
  (slices with fewer than ``min_slice_rows`` rows, or where the metric is undefined for
  both models, are reported as skipped and pass);
* ``data_validation``: the holdout against the reference profile (columns, types, ranges,
  missing values; see :func:`validate_data`);
* ``latency``: the challenger's p99 single-row prediction time on up to 200 holdout rows
  stays within the budget.

Every gate gives a :class:`GateResult` whose evidence holds the numbers it decided on; the
:class:`GateReport` passes when all of them do. A challenger that cannot score the holdout
fails; a champion that cannot (or no champion at all) leaves nothing to beat, and the
evidence says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.ct._gates_latency import LATENCY_GATE, LATENCY_ROWS, latency_gate
from driftloop.ct._gates_metrics import (
    PROBABILITY_METRICS,
    Answers,
    UnknownMetricError,
    check_metric,
    label_universe,
    metric_value,
    model_answers,
)
from driftloop.ct._gates_report import GateReport, GateResult, error_text
from driftloop.ct._gates_validation import (
    DATA_VALIDATION_GATE,
    ValidationLimits,
    column_problems,
    describe_problem,
)
from driftloop.ct._policy_gates import GatesSpec
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.profile import DatasetProfile

__all__ = [
    "DATA_VALIDATION_GATE",
    "LATENCY_GATE",
    "METRIC_GATE",
    "MIN_SLICE_ROWS",
    "SLICE_GATE_PREFIX",
    "GateReport",
    "GateResult",
    "UnknownMetricError",
    "ValidationLimits",
    "evaluate_gates",
    "validate_data",
]

METRIC_GATE = "metric"
SLICE_GATE_PREFIX = "slice:"
MIN_SLICE_ROWS = 20
"""Slices with fewer holdout rows are reported as skipped (too noisy to gate on)."""
_RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class _Scored:
    """A model's answers on the holdout, or why there are none."""

    answers: Answers | None
    error: str | None = None


def evaluate_gates(
    spec: GatesSpec,
    *,
    champion: Any,
    challenger: Any,
    holdout_features: pd.DataFrame,
    holdout_labels: pd.Series,
    profile: DatasetProfile | None,
    min_slice_rows: int = MIN_SLICE_ROWS,
    latency_rows: int = LATENCY_ROWS,
    validation_limits: ValidationLimits | None = None,
) -> GateReport:
    """Run the policy's gates on the holdout (see the module docstring).

    Args:
        spec: The policy's ``gates`` section.
        champion: The serving model (``predict``; a :class:`LoadedModel` is scored through
            ``score``), or None when there is none yet.
        challenger: The retrained model, likewise.
        holdout_features: The holdout's feature columns (slice columns among them).
        holdout_labels: One label per holdout row.
        profile: The reference profile for data validation (the champion's), or None to
            skip that gate with a note.
        min_slice_rows: Slices with fewer rows are skipped.
        latency_rows: Most rows timed by the latency gate.
        validation_limits: Tolerances of the data validation gate.

    Raises:
        UnknownMetricError: ``spec.metric`` cannot be computed offline.
        InvalidParameterError: The holdout is empty or its features and labels differ in
            length.
    """
    check_metric(spec.metric)
    if challenger is None:
        raise InvalidParameterError("challenger must be a model", field="challenger")
    labels = _checked_holdout(holdout_features, holdout_labels)
    probabilities = spec.metric in PROBABILITY_METRICS
    challenger_scored = _score(challenger, holdout_features, probabilities)
    champion_scored = _score(champion, holdout_features, probabilities)
    scored = [s.answers for s in (champion_scored, challenger_scored) if s.answers is not None]
    universe = label_universe(labels, *scored)
    results = [
        _compare(
            METRIC_GATE, spec, labels, champion_scored, challenger_scored, universe, slice_=False
        )
    ]
    for column in spec.slices:
        results.extend(
            _slice_gates(
                column,
                spec,
                holdout_features,
                labels,
                (champion_scored, challenger_scored),
                universe,
                min_slice_rows,
            )
        )
    if spec.data_validation:
        results.append(validate_data(holdout_features, profile, limits=validation_limits))
    if spec.latency_budget_ms is not None:
        results.append(
            latency_gate(challenger, holdout_features, spec.latency_budget_ms, latency_rows)
        )
    return GateReport(all(result.passed for result in results), tuple(results))


def validate_data(
    data: pd.DataFrame, profile: DatasetProfile | None, *, limits: ValidationLimits | None = None
) -> GateResult:
    """The ``data_validation`` gate on its own: ``data`` against the reference ``profile``.

    Also usable on a whole training window before training. Without a profile the gate is
    skipped (passes, and the evidence says so).
    """
    if profile is None:
        return GateResult(
            DATA_VALIDATION_GATE,
            True,
            "skipped: no reference profile to validate against",
            {"skipped": True},
        )
    problems, extra = column_problems(data, profile, limits or ValidationLimits())
    evidence: dict[str, Any] = {
        "rows": len(data),
        "columns_checked": len(profile.columns),
        "problems": problems,
        "extra_columns": extra,
    }
    if not problems:
        message = f"{len(profile.columns)} columns match the reference profile"
        return GateResult(DATA_VALIDATION_GATE, True, message, evidence)
    listed = "; ".join(describe_problem(problem) for problem in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return GateResult(DATA_VALIDATION_GATE, False, listed + more, evidence)


def _checked_holdout(features: pd.DataFrame, labels: pd.Series) -> np.ndarray:
    if not isinstance(features, pd.DataFrame):
        raise InvalidParameterError(
            "holdout_features must be a pandas DataFrame", field="holdout_features"
        )
    values = np.asarray(labels)
    if values.ndim != 1 or len(values) != len(features):
        raise InvalidParameterError(
            f"holdout_labels must hold one label per holdout row ({len(features)}), got "
            f"{values.shape}",
            field="holdout_labels",
        )
    if len(values) == 0:
        raise InvalidParameterError("the holdout is empty", field="holdout_features")
    return values


def _score(model: Any, data: pd.DataFrame, probabilities: bool) -> _Scored:
    if model is None:
        return _Scored(None, None)
    try:
        return _Scored(model_answers(model, data, probabilities=probabilities))
    except Exception as error:  # noqa: BLE001 - a model failing on the holdout is gate evidence
        return _Scored(None, error_text(error))


def _compare(
    name: str,
    spec: GatesSpec,
    labels: np.ndarray,
    champion: _Scored,
    challenger: _Scored,
    universe: Sequence[Any],
    *,
    slice_: bool,
    positions: np.ndarray | None = None,
    evidence: dict[str, Any] | None = None,
) -> GateResult:
    """Challenger against champion on ``positions`` (all rows when None)."""
    metric = spec.metric
    details: dict[str, Any] = {
        **(evidence or {}),
        "metric": metric,
        "higher_is_better": spec.higher_is_better,
        "margin": spec.margin,
        "rows": len(labels) if positions is None else len(positions),
    }
    if challenger.answers is None:
        details["challenger_error"] = challenger.error
        return GateResult(
            name, False, f"the challenger could not score the holdout: {challenger.error}", details
        )
    rows = labels if positions is None else labels[positions]
    new = _value(metric, rows, challenger.answers, universe, positions)
    old = None
    if champion.answers is not None:
        old = _value(metric, rows, champion.answers, universe, positions)
    details["challenger"], details["champion"] = new, old
    if champion.error is not None:
        details["champion_error"] = champion.error
    if new is None:
        if slice_ and old is None:
            details["skipped"] = True
            return GateResult(name, True, f"skipped: {metric} is undefined on these rows", details)
        return GateResult(name, False, f"{metric} is undefined for the challenger here", details)
    if old is None:
        why = (
            f"the champion could not score the holdout ({champion.error})"
            if champion.error
            else "there is no champion"
            if champion.answers is None
            else f"{metric} is undefined for the champion here"
        )
        return GateResult(name, True, f"{metric} {new:.6g}; nothing to beat: {why}", details)
    improvement = new - old if spec.higher_is_better else old - new
    details["improvement"] = improvement
    tolerance = _RELATIVE_TOLERANCE * max(1.0, abs(old), abs(new))
    passed = improvement >= spec.margin - tolerance
    direction = "higher" if spec.higher_is_better else "lower"
    verdict = "passes" if passed else "fails"
    message = (
        f"{metric}: challenger {new:.6g} vs champion {old:.6g} ({direction} is better): "
        f"improvement {improvement:+.6g} {verdict} the margin {spec.margin:g}"
    )
    return GateResult(name, passed, message, details)


def _value(
    metric: str,
    labels: np.ndarray,
    answers: Answers,
    universe: Sequence[Any],
    positions: np.ndarray | None,
) -> float | None:
    chosen = answers if positions is None else answers.take(positions)
    return metric_value(metric, labels, chosen, classes=universe)


def _slice_gates(
    column: str,
    spec: GatesSpec,
    data: pd.DataFrame,
    labels: np.ndarray,
    scored: tuple[_Scored, _Scored],
    universe: Sequence[Any],
    min_rows: int,
) -> list[GateResult]:
    champion, challenger = scored
    if column not in data.columns:
        return [
            GateResult(
                f"{SLICE_GATE_PREFIX}{column}",
                False,
                f"slice column {column!r} is not in the holdout",
                {"column": column, "columns": [str(name) for name in data.columns]},
            )
        ]
    results = []
    for value, positions in _slices(data[column]):
        name = f"{SLICE_GATE_PREFIX}{column}={value}"
        evidence = {"column": column, "value": value}
        if len(positions) < min_rows:
            evidence.update({"rows": len(positions), "min_rows": min_rows, "skipped": True})
            message = f"skipped: {len(positions)} rows, fewer than {min_rows}"
            results.append(GateResult(name, True, message, evidence))
            continue
        results.append(
            _compare(
                name,
                spec,
                labels,
                champion,
                challenger,
                universe,
                slice_=True,
                positions=positions,
                evidence=evidence,
            )
        )
    return results


def _slices(values: pd.Series) -> list[tuple[Any, np.ndarray]]:
    """Each non-missing value of a slice column (a JSON scalar) and its row positions.

    Values that are not JSON scalars (timestamps, say) are grouped by their text.
    """
    present = values.notna().to_numpy(dtype=bool)
    plain = [item.item() if isinstance(item, np.generic) else item for item in values]
    if not all(
        isinstance(item, bool | int | float | str)
        for item, keep in zip(plain, present, strict=True)
        if keep
    ):
        plain = [str(item) for item in plain]
    groups: dict[Any, list[int]] = {}
    for position, (item, keep) in enumerate(zip(plain, present, strict=True)):
        if keep:
            groups.setdefault(item, []).append(position)
    ordered = sorted(groups, key=lambda item: (str(type(item)), item))
    return [(item, np.asarray(groups[item], dtype=np.int64)) for item in ordered]
