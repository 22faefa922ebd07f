"""Contract suite for :class:`~driftloop.store.base.RunStore`: run lifecycle, params and tags.

Metric behaviour lives in :mod:`driftloop.testing.metric_contract`, search in
:mod:`driftloop.testing.search_contract`. Bind by subclassing in a test module that provides
the ``run_store`` and ``experiment_store`` fixtures (two views of one backend).
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.entities import (
    PARENT_RUN_ID_TAG,
    RUN_NAME_TAG,
    Dataset,
    DatasetInput,
    LifecycleStage,
    Metric,
    Param,
    RunStatus,
    RunTag,
)
from driftloop.errors import (
    BatchLimitError,
    ExperimentNotFoundError,
    InvalidParameterError,
    NotFoundError,
    ParamOverwriteError,
    RunNotActiveError,
    RunNotFoundError,
)
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.testing.helpers import T0, unique_name

MISSING_RUN_ID = "0123456789abcdef0123456789abcdef"
_HEX32 = re.compile(r"[0-9a-f]{32}")


def _new_experiment(experiment_store: ExperimentStore) -> str:
    return experiment_store.create_experiment(unique_name("runs"))


def _new_run(run_store: RunStore, experiment_store: ExperimentStore) -> str:
    return run_store.create_run(_new_experiment(experiment_store), start_time=T0).run_id


class RunStoreContract:
    """Behaviour every :class:`RunStore` backend must show for runs, params, tags, inputs."""

    # -- create / get -------------------------------------------------------------------

    def test_create_run(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """A new run is RUNNING, active, stamped as asked and fully readable back."""
        experiment_id = _new_experiment(experiment_store)
        created = run_store.create_run(
            experiment_id,
            user_id="alice",
            start_time=T0,
            tags={"team": "fraud"},
            run_name="first-try",
        )
        info = created.info
        assert _HEX32.fullmatch(info.run_id)
        assert info.experiment_id == experiment_id
        assert info.run_name == "first-try"
        assert info.user_id == "alice"
        assert info.status == RunStatus.RUNNING
        assert info.start_time == T0
        assert info.end_time is None
        assert info.lifecycle_stage == LifecycleStage.ACTIVE
        assert created.data.tags["team"] == "fraud"
        assert created.data.tags[RUN_NAME_TAG] == "first-try"
        assert created.parent_run_id is None
        fetched = run_store.get_run(info.run_id)
        assert fetched.info == info
        assert fetched.data.tags == created.data.tags
        assert fetched.data.metrics == {}
        assert fetched.data.params == {}
        assert fetched.inputs.dataset_inputs == ()

    def test_artifact_uri_is_under_experiment_location(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """The run's artifact URI is ``<experiment artifact_location>/<run_id>/artifacts``."""
        location = f"s3://bucket/{unique_name('loc')}"
        experiment_id = experiment_store.create_experiment(
            unique_name("runs"), artifact_location=location
        )
        run = run_store.create_run(experiment_id, start_time=T0)
        assert run.info.artifact_uri == f"{location}/{run.run_id}/artifacts"

    def test_run_name_is_generated_when_absent(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Without a name the store invents a readable one and mirrors it in the tag."""
        experiment_id = _new_experiment(experiment_store)
        first = run_store.create_run(experiment_id, start_time=T0)
        second = run_store.create_run(experiment_id, start_time=T0)
        assert first.info.run_name
        assert first.data.tags[RUN_NAME_TAG] == first.info.run_name
        assert run_store.get_run(first.run_id).info.run_name == first.info.run_name
        assert second.info.run_name

    def test_start_time_defaults_to_now(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Without start_time the run is stamped with the current time."""
        run = run_store.create_run(_new_experiment(experiment_store))
        assert run.info.start_time > T0

    def test_create_run_in_missing_experiment_raises(self, run_store: RunStore) -> None:
        """An unknown experiment is ExperimentNotFoundError."""
        with pytest.raises(ExperimentNotFoundError, match="987654321012"):
            run_store.create_run("987654321012", start_time=T0)

    def test_create_run_in_deleted_experiment_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A deleted experiment takes no new runs."""
        experiment_id = _new_experiment(experiment_store)
        experiment_store.delete_experiment(experiment_id)
        with pytest.raises(RunNotActiveError, match=re.escape(experiment_id)):
            run_store.create_run(experiment_id, start_time=T0)

    def test_nested_run(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """parent_run_id is stored as the mlflow.parentRunId tag and exposed on the run."""
        experiment_id = _new_experiment(experiment_store)
        parent = run_store.create_run(experiment_id, start_time=T0)
        child = run_store.create_run(experiment_id, start_time=T0 + 1, parent_run_id=parent.run_id)
        assert child.parent_run_id == parent.run_id
        fetched = run_store.get_run(child.run_id)
        assert fetched.data.tags[PARENT_RUN_ID_TAG] == parent.run_id
        assert fetched.parent_run_id == parent.run_id

    def test_nested_run_with_missing_parent_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A parent_run_id that names no run is RunNotFoundError."""
        experiment_id = _new_experiment(experiment_store)
        with pytest.raises(RunNotFoundError, match=MISSING_RUN_ID):
            run_store.create_run(experiment_id, start_time=T0, parent_run_id=MISSING_RUN_ID)

    @pytest.mark.parametrize("run_id", [MISSING_RUN_ID, "not-a-run-id"])
    def test_get_missing_run_raises(self, run_store: RunStore, run_id: str) -> None:
        """get_run of an unknown id is RunNotFoundError naming the id."""
        with pytest.raises(RunNotFoundError, match=re.escape(run_id)):
            run_store.get_run(run_id)

    # -- update -------------------------------------------------------------------------

    def test_update_run_info(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Status, end time and name change; None leaves a field as it was."""
        run_id = _new_run(run_store, experiment_store)
        info = run_store.update_run_info(run_id, status=RunStatus.FINISHED, end_time=T0 + 500)
        assert info.status == RunStatus.FINISHED
        assert info.end_time == T0 + 500
        renamed = run_store.update_run_info(run_id, run_name="renamed")
        assert renamed.run_name == "renamed"
        assert renamed.status == RunStatus.FINISHED
        assert renamed.end_time == T0 + 500
        fetched = run_store.get_run(run_id)
        assert fetched.info == renamed
        assert fetched.data.tags[RUN_NAME_TAG] == "renamed"

    def test_update_missing_run_raises(self, run_store: RunStore) -> None:
        """Updating an unknown run is RunNotFoundError."""
        with pytest.raises(RunNotFoundError, match=MISSING_RUN_ID):
            run_store.update_run_info(MISSING_RUN_ID, status=RunStatus.FAILED)

    # -- delete / restore ---------------------------------------------------------------

    def test_delete_and_restore_run(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A deleted run stays readable, refuses logging, and accepts it again once restored."""
        run_id = _new_run(run_store, experiment_store)
        run_store.delete_run(run_id)
        assert run_store.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
        with pytest.raises(RunNotActiveError, match=run_id):
            run_store.log_metric(run_id, Metric("m", 1.0, T0))
        with pytest.raises(RunNotActiveError, match=run_id):
            run_store.log_param(run_id, Param("p", "1"))
        with pytest.raises(RunNotActiveError, match=run_id):
            run_store.set_tag(run_id, RunTag("t", "1"))
        run_store.restore_run(run_id)
        assert run_store.get_run(run_id).info.lifecycle_stage == LifecycleStage.ACTIVE
        run_store.log_metric(run_id, Metric("m", 1.0, T0))
        assert run_store.get_run(run_id).data.metrics == {"m": 1.0}

    def test_delete_missing_run_raises(self, run_store: RunStore) -> None:
        """Deleting an unknown run is RunNotFoundError."""
        with pytest.raises(RunNotFoundError, match=MISSING_RUN_ID):
            run_store.delete_run(MISSING_RUN_ID)

    def test_log_to_missing_run_raises(self, run_store: RunStore) -> None:
        """Logging to an unknown run is RunNotFoundError."""
        with pytest.raises(RunNotFoundError, match=MISSING_RUN_ID):
            run_store.log_batch(MISSING_RUN_ID, metrics=[Metric("m", 1.0, T0)])

    # -- params -------------------------------------------------------------------------

    def test_params_are_write_once(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Re-logging the same value is fine; another value is ParamOverwriteError."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_param(run_id, Param("learning_rate", "0.1"))
        run_store.log_param(run_id, Param("learning_rate", "0.1"))
        with pytest.raises(ParamOverwriteError, match="learning_rate"):
            run_store.log_param(run_id, Param("learning_rate", "0.2"))
        assert run_store.get_run(run_id).data.params == {"learning_rate": "0.1"}

    def test_param_value_of_6000_chars_round_trips(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """6000 characters is the documented param value size and must be stored whole."""
        run_id = _new_run(run_store, experiment_store)
        value = "v" * 6000
        run_store.log_param(run_id, Param("long", value))
        assert run_store.get_run(run_id).data.params["long"] == value

    # -- tags ---------------------------------------------------------------------------

    def test_set_overwrite_and_delete_tag(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Tags are mutable: set, overwrite, delete."""
        run_id = _new_run(run_store, experiment_store)
        run_store.set_tag(run_id, RunTag("stage", "train"))
        run_store.set_tag(run_id, RunTag("stage", "eval"))
        run_store.set_tag(run_id, RunTag("other", "x"))
        tags = run_store.get_run(run_id).data.tags
        assert tags["stage"] == "eval"
        assert tags["other"] == "x"
        run_store.delete_tag(run_id, "stage")
        tags = run_store.get_run(run_id).data.tags
        assert "stage" not in tags
        assert tags["other"] == "x"

    def test_delete_missing_tag_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Deleting a tag that is not set is NotFoundError naming the key."""
        run_id = _new_run(run_store, experiment_store)
        with pytest.raises(NotFoundError, match="never-set"):
            run_store.delete_tag(run_id, "never-set")

    def test_tag_value_limit(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """A tag value of 8000 characters fits; 8001 is InvalidParameterError."""
        run_id = _new_run(run_store, experiment_store)
        run_store.set_tag(run_id, RunTag("fits", "t" * 8000))
        assert run_store.get_run(run_id).data.tags["fits"] == "t" * 8000
        with pytest.raises(InvalidParameterError, match=r"too-long|8000"):
            run_store.set_tag(run_id, RunTag("too-long", "t" * 8001))

    def test_set_run_name_tag_renames_run(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Setting mlflow.runName is how the MLflow client renames; run_name follows."""
        run_id = _new_run(run_store, experiment_store)
        run_store.set_tag(run_id, RunTag(RUN_NAME_TAG, "via-tag"))
        assert run_store.get_run(run_id).info.run_name == "via-tag"

    # -- log_batch validation -----------------------------------------------------------

    def test_batch_is_all_or_nothing_on_invalid_key(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """One invalid tag key fails the whole batch; no metric or param is written."""
        run_id = _new_run(run_store, experiment_store)
        before = run_store.get_run(run_id).data
        with pytest.raises(InvalidParameterError, match=re.escape("../escape")):
            run_store.log_batch(
                run_id,
                metrics=[Metric("m", 1.0, T0)],
                params=[Param("p", "1")],
                tags=[RunTag("ok", "1"), RunTag("../escape", "2")],
            )
        after = run_store.get_run(run_id).data
        assert after == before
        assert run_store.get_metric_history(run_id, "m").items == ()

    def test_batch_is_all_or_nothing_on_param_overwrite(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """A param conflict found in the database rolls back the metrics and tags too."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_param(run_id, Param("frozen_param", "1"))
        before = run_store.get_run(run_id).data
        with pytest.raises(ParamOverwriteError, match="frozen_param"):
            run_store.log_batch(
                run_id,
                metrics=[Metric("m", 1.0, T0)],
                params=[Param("fresh", "x"), Param("frozen_param", "2")],
                tags=[RunTag("t", "1")],
            )
        assert run_store.get_run(run_id).data == before
        assert run_store.get_metric_history(run_id, "m").items == ()

    @pytest.mark.parametrize(
        ("metrics", "params", "tags", "limit"),
        [(1001, 0, 0, "1000"), (0, 101, 0, "100"), (0, 0, 101, "100"), (900, 100, 1, "1000")],
        ids=["1001-metrics", "101-params", "101-tags", "1001-entities"],
    )
    def test_batch_limits(
        self,
        run_store: RunStore,
        experiment_store: ExperimentStore,
        metrics: int,
        params: int,
        tags: int,
        limit: str,
    ) -> None:
        """Over 1000 metrics, 100 params, 100 tags or 1000 entities is BatchLimitError."""
        run_id = _new_run(run_store, experiment_store)
        with pytest.raises(BatchLimitError, match=rf"\b{limit}\b"):
            run_store.log_batch(
                run_id,
                metrics=[Metric("m", float(i), T0, step=i) for i in range(metrics)],
                params=[Param(f"p{i}", "v") for i in range(params)],
                tags=[RunTag(f"t{i}", "v") for i in range(tags)],
            )
        assert run_store.get_run(run_id).data.params == {}

    def test_batch_at_the_limits_is_accepted(
        self, run_store: RunStore, experiment_store: ExperimentStore
    ) -> None:
        """Exactly 1000 metrics, or 100 params plus 100 tags, is allowed."""
        run_id = _new_run(run_store, experiment_store)
        run_store.log_batch(run_id, metrics=[Metric("m", float(i), T0, i) for i in range(1000)])
        run_store.log_batch(
            run_id,
            params=[Param(f"p{i}", "v") for i in range(100)],
            tags=[RunTag(f"t{i}", "v") for i in range(100)],
        )
        data = run_store.get_run(run_id).data
        assert len(data.params) == 100
        assert data.metrics == {"m": 999.0}
        assert len(run_store.get_metric_history(run_id, "m")) == 1000

    @pytest.mark.parametrize("kind", ["metric", "param", "tag"])
    def test_key_length_limit(
        self, run_store: RunStore, experiment_store: ExperimentStore, kind: str
    ) -> None:
        """A 250-character key fits; 251 is InvalidParameterError naming the key."""
        run_id = _new_run(run_store, experiment_store)
        fits, too_long = "k" * 250, "long-key-" + "k" * 242
        _log_one(run_store, run_id, kind, fits)
        with pytest.raises(InvalidParameterError, match="long-key-"):
            _log_one(run_store, run_id, kind, too_long)

    @pytest.mark.parametrize("kind", ["metric", "param", "tag"])
    @pytest.mark.parametrize("bad_key", ["../x", "a/../../b", "/abs"])
    def test_bad_key_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore, kind: str, bad_key: str
    ) -> None:
        """Keys that would resolve to another path are InvalidParameterError naming the key."""
        run_id = _new_run(run_store, experiment_store)
        with pytest.raises(InvalidParameterError, match=re.escape(bad_key)):
            _log_one(run_store, run_id, kind, bad_key)
        assert run_store.get_run(run_id).data.params == {}

    @pytest.mark.parametrize("kind", ["metric", "param", "tag"])
    def test_empty_key_raises(
        self, run_store: RunStore, experiment_store: ExperimentStore, kind: str
    ) -> None:
        """An empty key is InvalidParameterError."""
        run_id = _new_run(run_store, experiment_store)
        with pytest.raises(InvalidParameterError, match=r"(?i)key|name"):
            _log_one(run_store, run_id, kind, "")

    # -- inputs -------------------------------------------------------------------------

    def test_log_inputs(self, run_store: RunStore, experiment_store: ExperimentStore) -> None:
        """Datasets with input tags are visible on the run; the same dataset is stored once."""
        run_id = _new_run(run_store, experiment_store)
        train = DatasetInput(
            Dataset("churn-train", "d1g3st", source_type="local", source='{"uri": "/d"}'),
            tags={"mlflow.data.context": "training"},
        )
        evaluation = DatasetInput(Dataset("churn-eval", "e2a1"), tags={})
        run_store.log_inputs(run_id, [train, evaluation])
        run_store.log_inputs(run_id, [train])
        inputs = run_store.get_run(run_id).inputs.dataset_inputs
        assert sorted(inputs, key=lambda item: item.dataset.name) == [evaluation, train]

    def test_log_inputs_to_missing_run_raises(self, run_store: RunStore) -> None:
        """Logging inputs to an unknown run is RunNotFoundError."""
        with pytest.raises(RunNotFoundError, match=MISSING_RUN_ID):
            run_store.log_inputs(MISSING_RUN_ID, [DatasetInput(Dataset("d", "1"))])


def _log_one(run_store: RunStore, run_id: str, kind: str, key: str) -> None:
    if kind == "metric":
        run_store.log_metric(run_id, Metric(key, 1.0, T0))
    elif kind == "param":
        run_store.log_param(run_id, Param(key, "1"))
    else:
        run_store.set_tag(run_id, RunTag(key, "1"))
