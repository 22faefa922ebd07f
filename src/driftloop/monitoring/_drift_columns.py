"""One column's drift against its reference profile (numeric and categorical)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftloop.monitoring._drift_types import (
    DEFAULT_THRESHOLDS,
    ColumnDrift,
    Distribution,
    DriftMethod,
)
from driftloop.monitoring._inputs import to_float64, to_series
from driftloop.monitoring._kinds import ColumnKind, ColumnValues
from driftloop.monitoring._numeric_sketch import QUANTILE_POINTS
from driftloop.monitoring.profile import ColumnProfile
from driftloop.monitoring.stats import (
    StatResult,
    chi_square,
    jensen_shannon,
    ks_two_sample,
    linf,
    proportions_ztest,
    psi,
)

MISSING_ALPHA = 0.05
MISSING_MIN_CHANGE = 0.01
MAX_UNSEEN_LISTED = 20
OTHER, UNSEEN = "(other)", "(unseen)"


def column_drift(
    reference: ColumnProfile,
    values: ColumnValues,
    *,
    method: DriftMethod | None,
    threshold: float | None,
    small_window: int,
) -> ColumnDrift:
    """Drift of ``values`` (the window's column) from ``reference`` (see the drift module)."""
    if reference.kind is ColumnKind.NUMERIC:
        return _numeric(reference, values, method, threshold, small_window)
    return _categorical(reference, values, method, threshold, small_window)


def _numeric(
    reference: ColumnProfile,
    values: ColumnValues,
    method: DriftMethod | None,
    threshold: float | None,
    small_window: int,
) -> ColumnDrift:
    sketch = reference.numeric
    assert sketch is not None  # noqa: S101 - numeric profiles carry a numeric sketch
    floats, owned = to_float64(values)
    current, missing_count = _sorted_present(floats, owned)
    n = len(current)
    chosen = method or (DriftMethod.KS if n <= small_window else DriftMethod.WASSERSTEIN)
    edges = np.asarray(sketch.bin_edges, dtype=np.float64)
    if len(edges) == 0:
        distribution = Distribution((), (), ())
        result = StatResult(math.nan, None, False, "the reference has no finite value")
    else:
        reference_counts = np.concatenate(
            [
                [sketch.negative_infinity_count],
                np.asarray(sketch.bin_counts, dtype=np.float64),
                [sketch.positive_infinity_count],
            ]
        )
        current_counts = _counts_on_edges(current, edges)
        distribution = _distribution(_range_labels(edges), reference_counts, current_counts)
        sample = np.asarray(reference.sample, dtype=np.float64)
        # The profile's quantile function is exact; profiles written before it have the sample.
        quantiles = np.asarray(sketch.quantiles or np.sort(sample), dtype=np.float64)
        if (chosen is DriftMethod.KS and len(sample) == 0) or (
            chosen is DriftMethod.WASSERSTEIN and len(quantiles) == 0
        ):
            chosen = DriftMethod.PSI  # no reference values to compare raw values with
        result = _numeric_statistic(
            chosen, sample, quantiles, current, reference_counts, current_counts, sketch.std
        )
    return _verdict(
        reference,
        chosen,
        threshold,
        result,
        missing_count=missing_count,
        current_rows=len(floats),
        distribution=distribution,
    )


def _sorted_present(floats: NDArray[np.float64], owned: bool) -> tuple[NDArray[np.float64], int]:
    """The non-missing values, sorted, and how many were missing: one copy at most."""
    missing = np.isnan(floats)
    missing_count = int(np.count_nonzero(missing))
    if missing_count:
        present = floats[~missing]  # a fresh copy: sorted in place
        present.sort()
        return present, missing_count
    if owned:
        floats.sort()
        return floats, 0
    return np.sort(floats), 0


def _numeric_statistic(
    method: DriftMethod,
    sample: NDArray[np.float64],
    quantiles: NDArray[np.float64],
    current: NDArray[np.float64],
    reference_counts: NDArray[np.float64],
    current_counts: NDArray[np.float64],
    std: float | None,
) -> StatResult:
    if len(current) == 0:
        return StatResult(math.nan, None, False, "the window has no non-missing value")
    if method is DriftMethod.KS:
        return ks_two_sample(sample, current)
    if method is DriftMethod.WASSERSTEIN:
        return _wasserstein_by_quantiles(quantiles, current, std)
    return _count_statistic(method, reference_counts, current_counts)


def _wasserstein_by_quantiles(
    reference: NDArray[np.float64], current: NDArray[np.float64], std: float | None
) -> StatResult:
    """W1 between the two quantile functions at 1,000 mid-point probabilities, normalised.

    ``reference`` is the profile's quantile function (or a sorted sample), ``current`` the
    sorted window; both are read as order statistics at the same probabilities. Divided by
    the reference's standard deviation (1 when it is 0). Infinities are left out: they sit
    at the ends of the sorted window, so the finite values are a slice, not a copy.
    """
    reference = _finite_slice(reference)
    current = _finite_slice(current)
    if len(reference) == 0 or len(current) == 0:
        return StatResult(math.nan, None, False, "no finite value to compare")
    probabilities = (np.arange(QUANTILE_POINTS) + 0.5) / QUANTILE_POINTS
    reference_q = _at(reference, probabilities)
    current_q = _at(current, probabilities)
    scale = std if std is not None and std > 0 and math.isfinite(std) else 1.0
    return StatResult(float(np.mean(np.abs(reference_q - current_q)) / scale))


def _finite_slice(ordered: NDArray[np.float64]) -> NDArray[np.float64]:
    low = int(np.searchsorted(ordered, -np.inf, side="right"))
    high = int(np.searchsorted(ordered, np.inf, side="left"))
    return ordered[low:high]


def _at(ordered: NDArray[np.float64], probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Order statistics of sorted values at ``probabilities``: ``ordered[floor(p * n)]``."""
    positions = (probabilities * len(ordered)).astype(np.int64)
    return ordered[np.minimum(positions, len(ordered) - 1)]


def _counts_on_edges(
    ordered: NDArray[np.float64], edges: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Counts of sorted values in (-inf, e0), [e0, e1), ..., [e_k-1, e_k], (e_k, +inf)."""
    cuts = np.searchsorted(ordered, edges, side="left")
    last = np.searchsorted(ordered, edges[-1], side="right")
    inner = np.diff(np.append(cuts[:-1], last)).astype(np.float64)
    return np.concatenate([[float(cuts[0])], inner, [float(len(ordered) - last)]])


def _range_labels(edges: NDArray[np.float64]) -> tuple[str, ...]:
    inner = [f"[{_short(a)}, {_short(b)})" for a, b in itertools.pairwise(edges.tolist())]
    return (f"< {_short(edges[0])}", *inner, f"> {_short(edges[-1])}")


def _short(value: float) -> str:
    return f"{value:.4g}"


def _categorical(
    reference: ColumnProfile,
    values: ColumnValues,
    method: DriftMethod | None,
    threshold: float | None,
    small_window: int,
) -> ColumnDrift:
    sketch = reference.categorical
    assert sketch is not None  # noqa: S101 - categorical/boolean profiles carry one
    series = to_series(values)
    counts = series.value_counts(sort=False, dropna=True)  # no filtered copy of the column
    keys = [_key(value, reference.kind) for value in counts.index.tolist()]
    top = list(sketch.frequencies)
    known = set(top) | {_key(value, reference.kind) for value in reference.sample}
    complete = sketch.distinct_count <= len(known)  # every reference category is known
    bucket_counts = dict.fromkeys([*top, OTHER, UNSEEN], 0.0)
    unseen: dict[str, int] = {}
    for key, count in zip(keys, counts.tolist(), strict=True):
        if key in sketch.frequencies:
            bucket_counts[key] += count
        elif key in known or not complete:
            bucket_counts[OTHER] += count
        else:
            bucket_counts[UNSEEN] += count
            unseen[key] = unseen.get(key, 0) + int(count)
    reference_counts = np.array(
        [*(float(sketch.frequencies[k]) for k in top), float(sketch.other_count), 0.0]
    )
    current_counts = np.array(list(bucket_counts.values()))
    n = int(counts.sum())
    chosen = method or (DriftMethod.CHI_SQUARE if n <= small_window else DriftMethod.JENSEN_SHANNON)
    if chosen in {DriftMethod.KS, DriftMethod.WASSERSTEIN}:
        chosen = DriftMethod.JENSEN_SHANNON  # numeric methods do not apply to categories
    if n == 0:
        result = StatResult(math.nan, None, False, "the window has no non-missing value")
    else:
        result = _count_statistic(chosen, reference_counts, current_counts)
    keep = (reference_counts > 0) | (current_counts > 0)
    labels = tuple(label for label, kept in zip(bucket_counts, keep, strict=True) if kept)
    distribution = _distribution(labels, reference_counts[keep], current_counts[keep])
    listed = tuple(sorted(unseen, key=lambda k: (-unseen[k], k))[:MAX_UNSEEN_LISTED])
    return _verdict(
        reference,
        chosen,
        threshold,
        result,
        missing_count=len(series) - n,
        current_rows=len(series),
        distribution=distribution,
        unseen=listed,
        unseen_share=(sum(unseen.values()) / n) if n else 0.0,
    )


def _key(value: Any, kind: ColumnKind) -> str:
    if kind is ColumnKind.BOOLEAN:
        return "true" if bool(value) else "false"
    return str(value)


def _count_statistic(
    method: DriftMethod, reference_counts: NDArray[np.float64], current_counts: NDArray[np.float64]
) -> StatResult:
    if method is DriftMethod.CHI_SQUARE:
        return chi_square(reference_counts, current_counts)
    if method is DriftMethod.JENSEN_SHANNON:
        return jensen_shannon(reference_counts, current_counts)
    if method is DriftMethod.LINF:
        return linf(reference_counts, current_counts)
    return psi(reference_counts, current_counts)


def _distribution(
    labels: tuple[str, ...], reference: NDArray[np.float64], current: NDArray[np.float64]
) -> Distribution:
    def shares(counts: NDArray[np.float64]) -> tuple[float, ...]:
        total = float(counts.sum())
        return tuple((counts / total).tolist()) if total > 0 else tuple(0.0 for _ in counts)

    return Distribution(labels, shares(reference), shares(current))


def _verdict(
    reference: ColumnProfile,
    method: DriftMethod,
    threshold: float | None,
    result: StatResult,
    *,
    missing_count: int,
    current_rows: int,
    distribution: Distribution,
    unseen: tuple[str, ...] = (),
    unseen_share: float = 0.0,
) -> ColumnDrift:
    limit = DEFAULT_THRESHOLDS[method] if threshold is None else threshold
    if not result.computable:
        drifted = False
    elif method.is_test:
        drifted = result.p_value is not None and result.p_value < limit
    else:
        drifted = result.statistic >= limit
    missing = proportions_ztest(
        reference.missing_count, reference.count, missing_count, current_rows
    )
    current_rate = missing_count / current_rows if current_rows else 0.0
    missing_drifted = (
        missing.computable
        and missing.p_value is not None
        and missing.p_value < MISSING_ALPHA
        and abs(current_rate - reference.missing_rate) > MISSING_MIN_CHANGE
    )
    return ColumnDrift(
        column=reference.name,
        kind=reference.kind.value,
        method=method,
        score=result.statistic,
        p_value=result.p_value,
        threshold=limit,
        drifted=drifted,
        computable=result.computable,
        reason=result.reason,
        reference_rows=reference.count,
        current_rows=current_rows,
        reference_missing_rate=reference.missing_rate,
        current_missing_rate=current_rate,
        missing_p_value=missing.p_value if missing.computable else None,
        missing_drifted=bool(missing_drifted),
        unseen_categories=unseen,
        unseen_share=unseen_share,
        distribution=distribution,
    )
