"""The stats package's public names, and the runnable examples in its docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

import driftloop.monitoring.stats as stats_package

MODULES = ["chi2", "jensen_shannon", "ks", "linf", "proportions", "psi", "wasserstein"]


def test_all_is_exactly_the_public_names() -> None:
    assert set(stats_package.__all__) == {
        "StatResult",
        "chi_square",
        "cumulative_proportions",
        "jensen_shannon",
        "ks_binned",
        "ks_two_sample",
        "linf",
        "proportions_ztest",
        "psi",
        "wasserstein",
    }
    for name in stats_package.__all__:
        assert hasattr(stats_package, name), name


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str) -> None:
    module = importlib.import_module(f"driftloop.monitoring.stats.{module_name}")
    outcome = doctest.testmod(module)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_not_computable_result_shape() -> None:
    result = stats_package.StatResult.not_computable("current is empty")
    assert (result.computable, result.p_value, result.reason) == (
        False,
        None,
        "current is empty",
    )
    assert result.statistic != result.statistic  # NaN
