"""The logged model store (MLflow 3's logged models) over every SQL backend."""

from __future__ import annotations

import pytest

from driftloop.entities import LoggedModelStatus
from driftloop.errors import (
    ExperimentNotFoundError,
    InvalidFilterError,
    InvalidParameterError,
    NotFoundError,
    ParamOverwriteError,
)
from driftloop.store.sql import SqlStores
from driftloop.testing import collect_pages, unique_name


def test_create_get_finalize(tracking_backend: SqlStores) -> None:
    store = tracking_backend.logged_models
    experiment_id = tracking_backend.experiments.create_experiment(unique_name("lm"))
    run = tracking_backend.runs.create_run(experiment_id)
    model = store.create_logged_model(
        experiment_id, "model", "sklearn", run.run_id, params={"alpha": "1"}, tags={"t": "v"}
    )
    assert model.model_id.startswith("m-")
    assert len(model.model_id) == 34
    assert model.status is LoggedModelStatus.PENDING
    experiment = tracking_backend.experiments.get_experiment(experiment_id)
    assert model.artifact_location == (
        f"{experiment.artifact_location}/models/{model.model_id}/artifacts"
    )
    assert (model.params, model.tags) == ({"alpha": "1"}, {"t": "v"})
    ready = store.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert ready.status is LoggedModelStatus.READY
    fetched = store.get_logged_model(model.model_id)
    assert fetched.source_run_id == run.run_id
    assert fetched.model_type == "sklearn"
    assert fetched.status is LoggedModelStatus.READY


def test_tags_params_and_delete(tracking_backend: SqlStores) -> None:
    store = tracking_backend.logged_models
    experiment_id = tracking_backend.experiments.create_experiment(unique_name("lm"))
    model_id = store.create_logged_model(experiment_id).model_id
    store.set_logged_model_tags(model_id, {"a": "1", "b": "2"})
    store.delete_logged_model_tag(model_id, "a")
    with pytest.raises(NotFoundError, match="no tag"):
        store.delete_logged_model_tag(model_id, "a")
    store.log_logged_model_params(model_id, {"p": "x"})
    store.log_logged_model_params(model_id, {"p": "x"})
    with pytest.raises(ParamOverwriteError, match="write-once"):
        store.log_logged_model_params(model_id, {"p": "y"})
    model = store.get_logged_model(model_id)
    assert (model.tags, model.params) == ({"b": "2"}, {"p": "x"})
    store.delete_logged_model(model_id)
    with pytest.raises(NotFoundError, match="not found"):
        store.get_logged_model(model_id)
    with pytest.raises(InvalidParameterError, match="finalized"):
        store.finalize_logged_model(model_id, LoggedModelStatus.PENDING)


def test_errors(tracking_backend: SqlStores) -> None:
    store = tracking_backend.logged_models
    with pytest.raises(ExperimentNotFoundError, match="no experiment"):
        store.create_logged_model("987654")
    with pytest.raises(NotFoundError, match="not found"):
        store.get_logged_model("m-nothex")


def test_search_filters_orders_and_pages(tracking_backend: SqlStores) -> None:
    store = tracking_backend.logged_models
    experiment_id = tracking_backend.experiments.create_experiment(unique_name("lm"))
    run = tracking_backend.runs.create_run(experiment_id)
    ids = [
        store.create_logged_model(experiment_id, f"model-{i}", source_run_id=run.run_id).model_id
        for i in range(5)
    ]
    store.create_logged_model(experiment_id, "other", tags={"k": "v"})
    found = store.search_logged_models(
        [experiment_id], f"source_run_id = '{run.run_id}' AND name = 'model-3'"
    )
    assert [m.model_id for m in found] == [ids[3]]
    like = store.search_logged_models(
        [experiment_id], "name LIKE 'model-%'", order_by=[("name", True)]
    )
    assert [m.name for m in like] == [f"model-{i}" for i in range(5)]
    tagged = store.search_logged_models([experiment_id], "tags.k = 'v'")
    assert [m.name for m in tagged] == ["other"]
    pages = collect_pages(
        lambda token: store.search_logged_models([experiment_id], max_results=2, page_token=token)
    )
    assert [len(page) for page in pages] == [2, 2, 2]
    with pytest.raises(InvalidFilterError, match="support tags"):
        store.search_logged_models([experiment_id], "metrics.x = '1'")
    with pytest.raises(InvalidFilterError, match="invalid clause"):
        store.search_logged_models([experiment_id], "name OR x")
