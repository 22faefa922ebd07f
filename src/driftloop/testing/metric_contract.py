"""Contract suite for the metric side of :class:`~driftloop.store.base.RunStore`.

Latest-value semantics, special float values and metric history with pagination. Bind by
subclassing in a test module that provides ``run_store`` and ``experiment_store``.
"""

# ruff: noqa: S101

from __future__ import annotations

import math

import pytest

from driftloop.entities import Metric
from driftloop.errors import InvalidPageTokenError, RunNotFoundError
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.testing.helpers import FORGED_PAGE_TOKEN, T0, collect_pages, unique_name

HISTORY_POINTS = 2500
#: Coprime with HISTORY_POINTS, so ``(i * _STRIDE) % HISTORY_POINTS`` visits every step once.
_STRIDE = 7919


def _new_run(run_store: RunStore, experiment_store: ExperimentStore) -> str:
    experiment_id = experiment_store.create_experiment(unique_name("metrics"))
    return run_store.create_run(experiment_id, start_time=T0).run_id


def _latest(run_store: RunStore, run_id: str, key: str) -> Metric:
    return run_store.get_run(run_id).data.latest_metrics[key]


class RunMetricContract:
    """Behaviour every :class:`RunStore` backend must show for metrics."""

    def test_metrics_are_floats_by_key(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """run.data.metrics maps each key to the latest value as a float."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_batch(
            run_id,
            metrics=[Metric("rmse", 3.0, T0, 0), Metric("auc", 0.5, T0, 0)],
        )
        metrics = run_store.get_run(run_id).data.metrics
        assert metrics == {"rmse": 3.0, "auc": 0.5}
        assert all(type(value) is float for value in metrics.values())
        assert _latest(run_store, run_id, "rmse") == Metric("rmse", 3.0, T0, 0)

    def test_special_float_values_round_trip(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """NaN, +inf and -inf survive storage in latest values and in history."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_batch(
            run_id,
            metrics=[
                Metric("nan", math.nan, T0),
                Metric("pos", math.inf, T0),
                Metric("neg", -math.inf, T0),
                Metric("tiny", 5e-324, T0),
                Metric("huge", 1.7976931348623157e308, T0),
            ],
        )
        metrics = run_store.get_run(run_id).data.metrics
        assert math.isnan(metrics["nan"])
        assert metrics["pos"] == math.inf
        assert metrics["neg"] == -math.inf
        assert metrics["tiny"] == 5e-324
        assert metrics["huge"] == 1.7976931348623157e308
        (nan_point,) = run_store.get_metric_history(run_id, "nan")
        assert math.isnan(nan_point.value)
        (neg_point,) = run_store.get_metric_history(run_id, "neg")
        assert neg_point.value == -math.inf

    def test_latest_value_can_be_nan(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A NaN at a higher step replaces a finite latest value."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("loss", 1.0, T0, 0))
        run_store.log_metric(run_id, Metric("loss", math.nan, T0, 1))
        assert math.isnan(run_store.get_run(run_id).data.metrics["loss"])

    def test_latest_metric_higher_step_wins(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """The point with the highest step is latest, whenever it was logged."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("acc", 0.5, T0 + 100, step=5))
        run_store.log_metric(run_id, Metric("acc", 0.3, T0 + 200, step=3))
        assert _latest(run_store, run_id, "acc") == Metric("acc", 0.5, T0 + 100, 5)
        run_store.log_metric(run_id, Metric("acc", 0.9, T0, step=10))
        assert _latest(run_store, run_id, "acc") == Metric("acc", 0.9, T0, 10)

    def test_latest_metric_same_step_later_timestamp_wins(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """At equal steps the later timestamp is latest, whatever the logging order."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("f1", 0.7, T0 + 10, step=1))
        run_store.log_metric(run_id, Metric("f1", 0.2, T0 + 5, step=1))
        assert run_store.get_run(run_id).data.metrics["f1"] == 0.7
        run_store.log_metric(run_id, Metric("f1", 0.4, T0 + 20, step=1))
        assert run_store.get_run(run_id).data.metrics["f1"] == 0.4

    def test_latest_metric_within_one_batch(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Several points of one key in one batch: the highest step is latest."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_batch(
            run_id,
            metrics=[Metric("x", 2.0, T0, 2), Metric("x", 9.0, T0, 9), Metric("x", 4.0, T0, 4)],
        )
        assert run_store.get_run(run_id).data.metrics == {"x": 9.0}

    def test_relogging_an_identical_point_does_not_fail(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Clients retry; an identical (key, value, timestamp, step) is not an error."""
        run_id = _new_run(run_store, experiment_store)
        point = Metric("retry", 1.5, T0, 3)
        run_store.log_metric(run_id, point)
        run_store.log_metric(run_id, point)
        run_store.log_batch(run_id, metrics=[point])
        assert set(run_store.get_metric_history(run_id, "retry")) == {point}

    def test_two_values_at_same_step_and_timestamp_are_kept(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Distinct values at one (step, timestamp) are distinct points, as in MLflow."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("dup", 1.0, T0, 0))
        run_store.log_metric(run_id, Metric("dup", 2.0, T0, 0))
        values = sorted(point.value for point in run_store.get_metric_history(run_id, "dup"))
        assert values == [1.0, 2.0]

    def test_history_is_ordered_by_step_then_timestamp(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """History comes back sorted by (step, timestamp), not by logging order."""
        run_id = _new_run(run_store, experiment_store)
        points = [
            Metric("loss", 0.1, T0 + 30, 2),
            Metric("loss", 0.9, T0 + 50, 0),
            Metric("loss", 0.5, T0 + 20, 1),
            Metric("loss", 0.4, T0 + 10, 1),
        ]
        for point in points:
            run_store.log_metric(run_id, point)
        history = run_store.get_metric_history(run_id, "loss")
        assert list(history) == sorted(points, key=lambda p: (p.step, p.timestamp))
        assert history.next_page_token is None

    def test_long_history_in_several_batches(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """2500 points logged out of order in three batches come back complete and sorted."""
        run_id = _new_run(run_store, experiment_store)
        steps = [(i * _STRIDE) % HISTORY_POINTS for i in range(HISTORY_POINTS)]
        points = [Metric("curve", step / 10, T0 + step, step) for step in steps]
        for start in range(0, HISTORY_POINTS, 1000):
            run_store.log_batch(run_id, metrics=points[start : start + 1000])
        history = run_store.get_metric_history(run_id, "curve")
        assert [point.step for point in history] == list(range(HISTORY_POINTS))
        assert list(history) == sorted(points, key=lambda p: p.step)
        assert history.next_page_token is None
        assert run_store.get_run(run_id).data.metrics["curve"] == (HISTORY_POINTS - 1) / 10

    def test_history_pagination(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """max_results pages through every point exactly once, in order."""
        run_id = _new_run(run_store, experiment_store)
        points = [Metric("p", float(step), T0 + step, step) for step in range(2500)]
        for start in range(0, len(points), 1000):
            run_store.log_batch(run_id, metrics=points[start : start + 1000])
        pages = collect_pages(
            lambda token: run_store.get_metric_history(
                run_id, "p", max_results=1000, page_token=token
            )
        )
        assert [len(page) for page in pages] == [1000, 1000, 500]
        assert [point for page in pages for point in page] == points
        exact = run_store.get_metric_history(run_id, "p", max_results=2500)
        assert len(exact) == 2500
        assert exact.next_page_token is None

    def test_history_bad_page_token_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A token the store did not issue is InvalidPageTokenError."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("m", 1.0, T0))
        with pytest.raises(InvalidPageTokenError, match=r"(?i)token"):
            run_store.get_metric_history(run_id, "m", max_results=1, page_token=FORGED_PAGE_TOKEN)

    def test_history_of_unknown_key_is_empty(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """An unlogged key has an empty history, not an error."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_metric(run_id, Metric("known", 1.0, T0))
        history = run_store.get_metric_history(run_id, "unknown")
        assert history.items == ()
        assert history.next_page_token is None

    def test_history_of_missing_run_raises(self, run_store: RunStore) -> None:
        """History of an unknown run is RunNotFoundError."""
        missing = "fedcba9876543210fedcba9876543210"
        with pytest.raises(RunNotFoundError, match=missing):
            run_store.get_metric_history(missing, "m")
