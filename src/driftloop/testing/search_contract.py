"""Contract suite for ``RunStore.search_runs``: the filter grammar, ordering and paging.

Each test seeds its own experiment (see :mod:`driftloop.testing._search_data`) and searches
only inside it. Filter tests check whole tables of ``(filter, expected run names)`` and report
every mismatch at once. Bind by subclassing :class:`RunSearchContract` in a test module that
provides ``run_store`` and ``experiment_store``.
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.errors import InvalidFilterError
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.testing._search_data import SeededRuns, seed_runs
from driftloop.testing.helpers import T0, unique_name
from driftloop.testing.search_order_contract import RunSearchOrderContract

FilterCases = list[tuple[str, set[str]]]


def _check_filters(run_store: RunStore, seeded: SeededRuns, cases: FilterCases) -> None:
    """Run every filter and fail once, listing each filter whose result set is wrong."""
    failures: list[str] = []
    for filter_string, expected in cases:
        page = run_store.search_runs([seeded.experiment_id], filter_string=filter_string)
        got = set(seeded.names(list(page.items)))
        if got != expected:
            failures.append(f"{filter_string!r}: expected {sorted(expected)}, got {sorted(got)}")
    assert not failures, "wrong search results:\n" + "\n".join(failures)


class RunSearchContract(RunSearchOrderContract):
    """Behaviour every :class:`RunStore` backend must show in ``search_runs``."""

    def test_filter_on_metrics(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Metric comparisons use the latest value; NaN only matches ``!=``."""
        seeded = seed_runs(run_store, experiment_store)
        cases: FilterCases = [
            ("metrics.rmse > 0.6", {"beta", "gamma"}),
            ("metrics.rmse > 0.8", {"gamma"}),
            ("metrics.rmse >= 0.7", {"beta", "gamma"}),
            ("metrics.rmse < 0.7", {"alpha"}),
            ("metrics.rmse <= 0.7", {"alpha", "beta"}),
            ("metrics.rmse = 0.5", {"alpha"}),
            ("metrics.rmse = 0.9", set()),
            ("metrics.rmse != 0.5", {"beta", "gamma"}),
            ("metric.rmse < 1", {"alpha", "beta"}),
            ("metrics.acc > 0", {"alpha"}),
            ("metrics.acc < 1", {"alpha"}),
            ("metrics.acc != 0.8", {"beta"}),
            ("metrics.never_logged > 0", set()),
        ]
        _check_filters(run_store, seeded, cases)

    def test_filter_on_params(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Params support = != LIKE ILIKE IS NULL IS NOT NULL."""
        seeded = seed_runs(run_store, experiment_store)
        cases: FilterCases = [
            ("params.lr = '0.1'", {"alpha", "gamma"}),
            ('params.lr = "0.1"', {"alpha", "gamma"}),
            ("params.lr != '0.1'", {"beta"}),
            ("param.model LIKE 'Random%'", {"alpha"}),
            ("params.model LIKE 'random%'", {"beta"}),
            ("params.model ILIKE 'random%'", {"alpha", "beta"}),
            ("parameters.model ILIKE '%LITE'", {"beta"}),
            ("params.model IS NULL", {"gamma", "delta"}),
            ("params.model IS NOT NULL", {"alpha", "beta"}),
        ]
        _check_filters(run_store, seeded, cases)

    def test_filter_on_tags(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Tags support the string comparators, with backtick- or double-quoted dotted keys."""
        seeded = seed_runs(run_store, experiment_store)
        cases: FilterCases = [
            ("tags.team = 'fraud'", {"alpha"}),
            ("tag.team != 'fraud'", {"beta"}),
            ("tags.team LIKE '%r%'", {"alpha", "beta"}),
            ("tags.team ILIKE 'FRA%'", {"alpha"}),
            ("tags.team IS NULL", {"gamma", "delta"}),
            ("tags.team IS NOT NULL", {"alpha", "beta"}),
            ("tags.`mlflow.runName` = 'gamma'", {"gamma"}),
            ("tags.\"mlflow.runName\" LIKE '%ta'", {"beta", "delta"}),
        ]
        _check_filters(run_store, seeded, cases)

    def test_filter_on_attributes(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """status, run_name, start_time and run_id (IN / NOT IN) are filterable."""
        seeded = seed_runs(run_store, experiment_store)
        alpha, gamma = seeded.ids["alpha"], seeded.ids["gamma"]
        cases: FilterCases = [
            ("attributes.status = 'FINISHED'", {"alpha"}),
            ("attributes.status != 'RUNNING'", {"alpha", "gamma"}),
            ("attribute.run_name = 'beta'", {"beta"}),
            ("run.run_name ILIKE 'AL%'", {"alpha"}),
            ("attributes.run_name LIKE '%ta'", {"beta", "delta"}),
            (f"attributes.start_time > {T0 + 2000}", {"gamma", "delta"}),
            (f"attributes.start_time <= {T0 + 2000}", {"alpha", "beta"}),
            (f"attr.start_time = {T0 + 3000}", {"gamma"}),
            (f"attributes.end_time < {T0 + 2000}", {"alpha"}),
            (f"attributes.run_id IN ('{alpha}', '{gamma}')", {"alpha", "gamma"}),
            (f"attributes.run_id NOT IN ('{alpha}')", {"beta", "gamma", "delta"}),
            (f"attributes.run_id = '{gamma}'", {"gamma"}),
        ]
        _check_filters(run_store, seeded, cases)

    def test_filter_on_datasets(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Runs are found by the name, digest and context of the datasets they used."""
        seeded = seed_runs(run_store, experiment_store)
        cases: FilterCases = [
            ("datasets.name = 'churn-train'", {"alpha"}),
            ("dataset.name LIKE 'churn-%'", {"alpha", "gamma"}),
            ("datasets.name IN ('churn-eval', 'other')", {"gamma"}),
            ("datasets.digest = 'bbbb2222'", {"gamma"}),
            ("datasets.context = 'training'", {"alpha"}),
        ]
        _check_filters(run_store, seeded, cases)

    def test_filter_conjunctions(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Clauses joined by AND (any case) must all hold."""
        seeded = seed_runs(run_store, experiment_store)
        cases: FilterCases = [
            ("metrics.rmse < 1 AND params.lr = '0.1'", {"alpha"}),
            (
                "metrics.rmse < 1 and tags.team = 'churn' and attributes.status = 'RUNNING'",
                {"beta"},
            ),
            ("params.lr = '0.1' AND metrics.rmse > 1 AND tags.team IS NULL", {"gamma"}),
            ("params.lr = '0.1' AND params.lr = '0.01'", set()),
        ]
        _check_filters(run_store, seeded, cases)

    def test_search_returns_full_runs(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Search results carry the same info, data and inputs as get_run."""
        seeded = seed_runs(run_store, experiment_store)
        page = run_store.search_runs([seeded.experiment_id], "attributes.run_name = 'alpha'")
        (found,) = page.items
        expected = run_store.get_run(seeded.ids["alpha"])
        assert found.info == expected.info
        assert found.data == expected.data
        assert found.data.metrics == {"rmse": 0.5, "acc": 0.8}
        assert found.inputs == expected.inputs

    @pytest.mark.parametrize(
        ("filter_string", "quoted"),
        [
            ("metrics.rmse >", "rmse"),
            ("metrics.a > 1 OR metrics.b < 2", "or"),
            ("foo.bar = 1", "foo"),
            ("metrics.rmse > 'abc'", "abc"),
            ("params.lr > '0.1'", ">"),
            ("attributes.no_such_attribute = 'x'", "no_such_attribute"),
            ("(metrics.a > 1)", "("),
            ("tags.`unbalanced = 'x'", "unbalanced"),
            ("metrics.rmse > 1 AND", "AND"),
        ],
    )
    def test_malformed_filter_raises(
        self,
        run_store: RunStore,
        experiment_store: ExperimentStore,
        filter_string: str,
        quoted: str,
    ) -> None:
        """A filter that does not parse is InvalidFilterError quoting the offending part."""
        experiment_id = experiment_store.create_experiment(unique_name("bad-filter"))
        with pytest.raises(InvalidFilterError, match=f"(?i){re.escape(quoted)}"):
            run_store.search_runs([experiment_id], filter_string=filter_string)
