"""Input validation shared by the drift statistics.

Every statistic refuses NaN with an :class:`~driftloop.errors.InvalidParameterError` naming
the argument: missing values are the caller's to exclude and count separately (see
:mod:`driftloop.monitoring.stats.proportions`). ``+inf`` and ``-inf`` are valid sample values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftloop.errors import InvalidParameterError

FloatArray = NDArray[np.float64]

_MAX_COUNT = 2**63 - 1


def _as_float_vector(name: str, values: Any) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(f"{name} must hold numbers", field=name) from error
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name} must be one-dimensional, got {array.ndim} dimensions", field=name
        )
    if np.isnan(array).any():
        raise InvalidParameterError(
            f"{name} contains NaN; exclude missing values and count them separately",
            field=name,
        )
    return array


def as_sample(name: str, values: Any) -> FloatArray:
    """``values`` as a 1-D float64 array of raw observations (``+/-inf`` allowed, NaN not).

    Raises:
        InvalidParameterError: Not numeric, not one-dimensional, or holds NaN.
    """
    return _as_float_vector(name, values)


def as_counts(name: str, values: Any) -> FloatArray:
    """``values`` as a 1-D float64 array of bin counts: finite, non-negative, finite total.

    Raises:
        InvalidParameterError: Not numeric, not 1-D, NaN, infinite, negative, or a total that
            overflows.
    """
    array = _as_float_vector(name, values)
    if not np.isfinite(array).all():
        raise InvalidParameterError(f"{name} must be finite counts", field=name)
    if (array < 0).any():
        raise InvalidParameterError(f"{name} must not hold negative counts", field=name)
    with np.errstate(over="ignore"):
        total = array.sum()
    if not np.isfinite(total):
        raise InvalidParameterError(f"{name} sums to more than a float can hold", field=name)
    return array


def as_aligned_counts(
    reference_name: str, reference: Any, current_name: str, current: Any
) -> tuple[FloatArray, FloatArray]:
    """Two count vectors over the same bins.

    Raises:
        InvalidParameterError: Either is invalid (see :func:`as_counts`) or their lengths
            differ (named by ``current_name``).
    """
    reference_counts = as_counts(reference_name, reference)
    current_counts = as_counts(current_name, current)
    if reference_counts.shape != current_counts.shape:
        raise InvalidParameterError(
            f"{current_name} has {current_counts.size} bins but {reference_name} has "
            f"{reference_counts.size}; align them over the same bins first",
            field=current_name,
        )
    return reference_counts, current_counts


def as_count(name: str, value: Any) -> int:
    """``value`` as a non-negative integer count that fits in an int64.

    Raises:
        InvalidParameterError: Not an integer (bools refused), negative, or above
            ``2**63 - 1``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name} must be an integer count", field=name)
    if value < 0:
        raise InvalidParameterError(f"{name} must not be negative, got {value}", field=name)
    if value > _MAX_COUNT:
        raise InvalidParameterError(f"{name} must be at most 2**63 - 1", field=name)
    return int(value)


def as_open_unit(name: str, value: Any) -> float:
    """``value`` as a float strictly between 0 and 1 (a smoothing epsilon).

    Raises:
        InvalidParameterError: Not a number in ``(0, 1)``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise InvalidParameterError(f"{name} must be a number", field=name)
    if not 0.0 < float(value) < 1.0:
        raise InvalidParameterError(f"{name} must be in (0, 1), got {value}", field=name)
    return float(value)
