"""The data-validation gate: do the rows still look like the reference profile's?

Checked per column of the profile, in the profile's order:

* **missing column**: the profile has it, the data does not;
* **type**: the column's kind (numeric, categorical, boolean, as the profile infers it)
  changed, or it can no longer be profiled (e.g. numbers mixed with strings);
* **range** (numeric): more of the non-missing values lie outside the reference
  ``[min, max]`` (widened by ``range_tolerance`` of its span on each side; infinities are
  outside; datetime columns are not range-checked) than ``max_out_of_range_share`` of them
  explains: the count must exceed the binomial 99.9% quantile at that share, so two stray
  values in a 135-row holdout (a reference profiled on a few hundred rows has a narrow
  range) pass while a unit change (most values out) fails at any size;
* **missing values**: the missing rate grew by more than ``max_missing_increase``.

Columns the profile does not know are listed in the evidence but do not fail the gate (the
model's signature drops them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom  # type: ignore[import-untyped]

from driftloop.errors import InvalidParameterError, ProfileError
from driftloop.monitoring.profile import ColumnKind, ColumnProfile, DatasetProfile, build_profile

__all__ = [
    "DATA_VALIDATION_GATE",
    "ValidationLimits",
    "allowed_out_of_range",
    "column_problems",
    "describe_problem",
]

DATA_VALIDATION_GATE = "data_validation"
_EXAMPLES = 3
_QUANTILE = 0.999


@dataclass(frozen=True, slots=True)
class ValidationLimits:
    """How far data may stray from the reference profile before the gate fails.

    Attributes:
        range_tolerance: The reference ``[min, max]`` is widened by this share of its span
            on each side before values count as out of range.
        max_out_of_range_share: The chance of a numeric column's value to be out of range
            that is still acceptable (the count allowed is its binomial 99.9% quantile).
        max_missing_increase: How much a column's missing rate may grow (absolute).
    """

    range_tolerance: float = 0.1
    max_out_of_range_share: float = 0.01
    max_missing_increase: float = 0.05

    def __post_init__(self) -> None:
        for name in ("range_tolerance", "max_out_of_range_share", "max_missing_increase"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidParameterError(f"{name} must be a number >= 0", field=name)


def column_problems(
    data: pd.DataFrame, profile: DatasetProfile, limits: ValidationLimits
) -> tuple[list[dict[str, Any]], list[str]]:
    """The problems found (JSON-ready, one per failed check) and the unknown extra columns."""
    problems: list[dict[str, Any]] = []
    for reference in profile.columns:
        if reference.name not in data.columns:
            problems.append({"column": reference.name, "check": "missing_column"})
            continue
        problem = _column_problem(data[reference.name], reference, limits)
        if problem is not None:
            problems.append({"column": reference.name, **problem})
    known = {column.name for column in profile.columns}
    extra = [str(name) for name in data.columns if str(name) not in known]
    return problems, extra


def describe_problem(problem: dict[str, Any]) -> str:
    """One problem as a short phrase for the gate's message."""
    column, check = problem["column"], problem["check"]
    if check == "missing_column":
        return f"column {column!r} is missing"
    if check == "type":
        return f"column {column!r} changed type: {problem['expected']} -> {problem['found']}"
    if check == "range":
        low, high = problem["allowed"]
        return (
            f"column {column!r}: {problem['share']:.1%} of values outside [{low:.6g}, {high:.6g}]"
        )
    return (
        f"column {column!r}: missing rate {problem['current_rate']:.1%} "
        f"(reference {problem['reference_rate']:.1%})"
    )


def _column_problem(
    values: pd.Series, reference: ColumnProfile, limits: ValidationLimits
) -> dict[str, Any] | None:
    try:
        current = build_profile(pd.DataFrame({reference.name: values}), sample_size=0).columns[0]
    except ProfileError as error:
        return {
            "check": "type",
            "expected": reference.kind.value,
            "found": "unprofilable",
            "reason": error.message,
        }
    present = current.count - current.missing_count
    if present and current.kind is not reference.kind:  # no values at all: only "missing"
        return {"check": "type", "expected": reference.kind.value, "found": current.kind.value}
    if present and reference.kind is ColumnKind.NUMERIC:
        problem = _range_problem(values, reference, limits)
        if problem is not None:
            return problem
    increase = current.missing_rate - reference.missing_rate
    if current.count and increase > limits.max_missing_increase:
        return {
            "check": "missing",
            "reference_rate": reference.missing_rate,
            "current_rate": current.missing_rate,
        }
    return None


def _range_problem(
    values: pd.Series, reference: ColumnProfile, limits: ValidationLimits
) -> dict[str, Any] | None:
    sketch = reference.numeric
    if sketch is None or sketch.min is None or sketch.max is None:
        return None
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        return None
    try:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        return None
    numbers = numbers[~np.isnan(numbers)]
    if numbers.size == 0:
        return None
    slack = limits.range_tolerance * (sketch.max - sketch.min)
    low, high = sketch.min - slack, sketch.max + slack
    outside = (numbers < low) | (numbers > high)
    share = float(np.mean(outside))
    count = int(outside.sum())
    if count <= allowed_out_of_range(int(numbers.size), limits.max_out_of_range_share):
        return None
    return {
        "check": "range",
        "share": share,
        "out_of_range": count,
        "allowed_out_of_range": allowed_out_of_range(
            int(numbers.size), limits.max_out_of_range_share
        ),
        "rows": int(numbers.size),
        "reference_min": sketch.min,
        "reference_max": sketch.max,
        "allowed": [low, high],
        "examples": [_number(value) for value in numbers[outside][:_EXAMPLES]],
    }


def allowed_out_of_range(rows: int, share: float) -> int:
    """How many of ``rows`` values may fall out of range when each does with chance ``share``.

    The binomial 99.9% quantile: chance alone exceeds it once in a thousand checks.

    >>> allowed_out_of_range(135, 0.01), allowed_out_of_range(10_000, 0.01)
    (6, 132)
    >>> allowed_out_of_range(500, 0.0)
    0
    """
    return int(binom.ppf(_QUANTILE, rows, share)) if rows and share > 0 else 0


def _number(value: float) -> float | str:
    """A float for JSON evidence (infinities as text)."""
    return float(value) if np.isfinite(value) else str(value)
