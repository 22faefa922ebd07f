"""Contract suite for ``RunStore.search_runs``: order, pagination, view types, scope.

:class:`~driftloop.testing.search_contract.RunSearchContract` inherits these tests; bind that
class, not this one, unless a backend only wants the ordering half.
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.entities import Metric, Param, RunStatus, ViewType
from driftloop.errors import InvalidFilterError, InvalidPageTokenError, InvalidParameterError
from driftloop.store.base import SEARCH_MAX_RESULTS_LIMIT, ExperimentStore, RunStore
from driftloop.testing._search_data import SeededRuns, seed_runs
from driftloop.testing.helpers import FORGED_PAGE_TOKEN, T0, collect_pages, unique_name


def _ordered(run_store: RunStore, seeded: SeededRuns, order_by: list[str]) -> list[str]:
    page = run_store.search_runs([seeded.experiment_id], order_by=order_by)
    assert page.next_page_token is None
    return seeded.names(list(page.items))


class RunSearchOrderContract:
    """Ordering, paging, view-type and experiment-scope behaviour of ``search_runs``."""

    def test_default_order_is_start_time_desc(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Without order_by the newest run comes first."""
        seeded = seed_runs(run_store, experiment_store)
        assert _ordered(run_store, seeded, []) == ["delta", "gamma", "beta", "alpha"]

    def test_default_order_breaks_ties_by_run_id(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Runs that started in the same millisecond come in run_id order."""
        experiment_id = experiment_store.create_experiment(unique_name("ties"))
        run_ids = [run_store.create_run(experiment_id, start_time=T0).run_id for _ in range(4)]
        page = run_store.search_runs([experiment_id])
        assert [run.run_id for run in page] == sorted(run_ids)

    def test_order_by_metric_puts_missing_last(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Ascending and descending metric order both put runs without the metric last."""
        seeded = seed_runs(run_store, experiment_store)
        assert _ordered(run_store, seeded, ["metrics.rmse ASC"]) == [
            "alpha",
            "beta",
            "gamma",
            "delta",
        ]
        assert _ordered(run_store, seeded, ["metrics.rmse"]) == ["alpha", "beta", "gamma", "delta"]
        assert _ordered(run_store, seeded, ["metrics.rmse DESC"]) == [
            "gamma",
            "beta",
            "alpha",
            "delta",
        ]

    def test_order_by_metric_puts_nan_after_numbers(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A NaN latest value sorts after every number, in either direction."""
        seeded = seed_runs(run_store, experiment_store)
        for direction in ("ASC", "DESC"):
            order = _ordered(run_store, seeded, [f"metrics.acc {direction}"])
            assert order[0] == "alpha", direction
            assert set(order[1:]) == {"beta", "gamma", "delta"}, direction

    def test_order_by_param(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Params sort as strings; runs without the param come last."""
        seeded = seed_runs(run_store, experiment_store)
        ascending = _ordered(run_store, seeded, ["params.lr ASC"])
        assert ascending[0] == "beta"
        assert set(ascending[1:3]) == {"alpha", "gamma"}
        assert ascending[3] == "delta"
        descending = _ordered(run_store, seeded, ["params.lr DESC"])
        assert set(descending[:2]) == {"alpha", "gamma"}
        assert descending[2:] == ["beta", "delta"]

    def test_order_by_start_time_and_tie_breaker(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """attributes.start_time sorts both ways; a second key breaks ties of the first."""
        seeded = seed_runs(run_store, experiment_store)
        assert _ordered(run_store, seeded, ["attributes.start_time ASC"]) == [
            "alpha",
            "beta",
            "gamma",
            "delta",
        ]
        assert _ordered(run_store, seeded, ["attributes.start_time DESC"]) == [
            "delta",
            "gamma",
            "beta",
            "alpha",
        ]
        assert _ordered(run_store, seeded, ["params.lr DESC", "attributes.start_time ASC"]) == [
            "alpha",
            "gamma",
            "beta",
            "delta",
        ]

    @pytest.mark.parametrize(
        ("order_by", "quoted"),
        [
            (["metrics.rmse SIDEWAYS"], "SIDEWAYS"),
            (["foo.bar"], "foo"),
            (["metrics.rmse", "metrics.rmse DESC"], "rmse"),
        ],
        ids=["bad-direction", "bad-type", "duplicate"],
    )
    def test_malformed_order_by_raises(
        self,
        run_store: RunStore,
        experiment_store: ExperimentStore,
        order_by: list[str],
        quoted: str,
    ) -> None:
        """Unparsable or duplicate order_by items are InvalidFilterError quoting the item."""
        experiment_id = experiment_store.create_experiment(unique_name("bad-order"))
        with pytest.raises(InvalidFilterError, match=re.escape(quoted)):
            run_store.search_runs([experiment_id], order_by=order_by)

    @pytest.mark.parametrize("order_by", [[], ["metrics.rmse ASC"], ["params.lr DESC"]])
    def test_pagination_visits_each_run_once_in_order(
        self, run_store: RunStore, experiment_store: ExperimentStore, order_by: list[str]
    ) -> None:
        """Pages of max_results=3 over 7 runs (with ties) are 3, 3, 1 and match one search."""
        experiment_id = experiment_store.create_experiment(unique_name("pages"))
        for index in range(7):
            run_id = run_store.create_run(experiment_id, start_time=T0 + index % 3).run_id
            metrics = [] if index == 4 else [Metric("rmse", float(index % 4), T0)]
            params = [] if index == 1 else [Param("lr", str(index % 3))]
            run_store.log_batch(run_id, metrics=metrics, params=params)
        full = run_store.search_runs([experiment_id], order_by=order_by)
        assert len(full) == 7
        assert full.next_page_token is None
        pages = collect_pages(
            lambda token: run_store.search_runs(
                [experiment_id], max_results=3, order_by=order_by, page_token=token
            )
        )
        assert [len(page) for page in pages] == [3, 3, 1]
        paged_ids = [run.run_id for page in pages for run in page]
        assert paged_ids == [run.run_id for run in full]

    def test_exact_fit_has_no_next_page(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """When max_results equals the number of runs there is no next page."""
        seeded = seed_runs(run_store, experiment_store)
        page = run_store.search_runs([seeded.experiment_id], max_results=4)
        assert len(page) == 4
        assert page.next_page_token is None

    def test_bad_page_token_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A token the store did not issue is InvalidPageTokenError."""
        experiment_id = experiment_store.create_experiment(unique_name("token"))
        with pytest.raises(InvalidPageTokenError, match=r"(?i)token"):
            run_store.search_runs([experiment_id], page_token=FORGED_PAGE_TOKEN)

    @pytest.mark.parametrize("max_results", [0, -1, SEARCH_MAX_RESULTS_LIMIT + 1])
    def test_max_results_out_of_range_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore, max_results: int
    ) -> None:
        """max_results must lie in 1..50000."""
        experiment_id = experiment_store.create_experiment(unique_name("max"))
        with pytest.raises(InvalidParameterError, match="max_results"):
            run_store.search_runs([experiment_id], max_results=max_results)

    def test_max_results_at_limit_is_accepted(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """max_results=50000 is allowed."""
        seeded = seed_runs(run_store, experiment_store)
        page = run_store.search_runs([seeded.experiment_id], max_results=SEARCH_MAX_RESULTS_LIMIT)
        assert len(page) == 4

    def test_view_types(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Deleted runs appear only under DELETED_ONLY and ALL."""
        seeded = seed_runs(run_store, experiment_store)
        run_store.delete_run(seeded.ids["beta"])

        def names(view_type: ViewType) -> set[str]:
            page = run_store.search_runs([seeded.experiment_id], view_type=view_type)
            return set(seeded.names(list(page.items)))

        assert names(ViewType.ACTIVE_ONLY) == {"alpha", "gamma", "delta"}
        assert names(ViewType.DELETED_ONLY) == {"beta"}
        assert names(ViewType.ALL) == {"alpha", "beta", "gamma", "delta"}

    def test_search_spans_several_experiments(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Runs of every listed experiment are returned, and only of those."""
        first = experiment_store.create_experiment(unique_name("span"))
        second = experiment_store.create_experiment(unique_name("span"))
        other = experiment_store.create_experiment(unique_name("span"))
        in_first = run_store.create_run(first, start_time=T0 + 1).run_id
        in_second = run_store.create_run(second, start_time=T0 + 2).run_id
        run_store.create_run(other, start_time=T0 + 3)
        both = run_store.search_runs([first, second])
        assert [run.run_id for run in both] == [in_second, in_first]
        assert [run.run_id for run in run_store.search_runs([first])] == [in_first]

    def test_status_filter_follows_updates(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A run found as RUNNING is found as KILLED after update_run_info."""
        experiment_id = experiment_store.create_experiment(unique_name("status"))
        run_id = run_store.create_run(experiment_id, start_time=T0).run_id
        run_store.update_run_info(run_id, status=RunStatus.KILLED)
        killed = run_store.search_runs([experiment_id], "attributes.status = 'KILLED'")
        running = run_store.search_runs([experiment_id], "attributes.status = 'RUNNING'")
        assert [run.run_id for run in killed] == [run_id]
        assert running.items == ()
