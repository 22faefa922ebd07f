"""Input validation shared by every statistic: NaN, shape, alignment and counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats import (
    StatResult,
    chi_square,
    jensen_shannon,
    ks_binned,
    ks_two_sample,
    linf,
    psi,
    wasserstein,
)

COUNT_FUNCTIONS = [psi, jensen_shannon, chi_square, linf]
SAMPLE_FUNCTIONS = [ks_two_sample, wasserstein]


@pytest.mark.parametrize("function", COUNT_FUNCTIONS + SAMPLE_FUNCTIONS)
@pytest.mark.parametrize("position", [0, 1])
def test_nan_is_refused_naming_the_argument(
    function: Callable[..., StatResult], position: int
) -> None:
    arguments: list[Any] = [[1.0, 2.0], [2.0, 1.0]]
    arguments[position] = [1.0, np.nan]
    with pytest.raises(InvalidParameterError, match="contains NaN") as raised:
        function(*arguments)
    assert raised.value.field in {"reference_counts", "current_counts", "reference", "current"}
    assert raised.value.field.startswith(("reference", "current")[position])


def test_ks_binned_refuses_nan_in_current() -> None:
    with pytest.raises(InvalidParameterError, match="current contains NaN") as raised:
        ks_binned([0.0, 1.0], [0.0, 1.0], [0.5, np.nan])
    assert raised.value.field == "current"


@pytest.mark.parametrize("function", COUNT_FUNCTIONS)
@pytest.mark.parametrize(
    ("current", "message"),
    [
        ([1.0, -1.0], "negative"),
        ([1.0, np.inf], "finite"),
        ([1.0, 2.0, 3.0], "align"),
        ([[1.0, 2.0]], "one-dimensional"),
        (["a", "b"], "numbers"),
        ([1e308, 1e308], "sums to more"),
    ],
)
def test_bad_counts_are_refused(
    function: Callable[..., StatResult], current: Any, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message) as raised:
        function([1.0, 2.0], current)
    assert raised.value.field == "current_counts"


@pytest.mark.parametrize("function", SAMPLE_FUNCTIONS)
def test_samples_must_be_one_dimensional_numbers(function: Callable[..., StatResult]) -> None:
    with pytest.raises(InvalidParameterError, match="one-dimensional"):
        function(np.ones((2, 2)), [1.0])
    with pytest.raises(InvalidParameterError, match="numbers"):
        function([1.0], ["x"])


def test_error_is_a_400() -> None:
    with pytest.raises(InvalidParameterError, match="NaN") as raised:
        psi([np.nan], [1.0])
    assert raised.value.http_status == 400
    assert raised.value.to_dict()["field"] == "reference_counts"
