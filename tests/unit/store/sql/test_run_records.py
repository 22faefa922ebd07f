"""Search records serialise to what the entities do (``driftloop.store.sql.run_records``).

The MLflow route answers ``runs/search`` from :meth:`SqlRunStore.search_run_records` and
:func:`run_record_json`, never building a :class:`Run`. Whatever the values (NaN, infinities,
long and non-ASCII texts, missing end times, runs with no data, dataset inputs with tags,
deleted runs), the response bytes must be the ones the entity path gives, page for page.
"""

from __future__ import annotations

import math

import pytest

from driftloop.entities import Dataset, DatasetInput, Metric, Param, RunStatus, RunTag, ViewType
from driftloop.server.mlflow_api.convert import run_json, run_record_json
from driftloop.server.responses import encode
from driftloop.store.sql import SqlStores
from driftloop.store.sql.run_search import RunQuery

T0 = 1_700_000_000_000
DESTINATION = "file:///srv/artifacts"
TEXTS = ('say "hi"', "back\\slash", "line\nbreak", "ünïcödé", "", "x" * 6000)


def _populate(stores: SqlStores, name: str) -> str:
    experiment_id = stores.experiments.create_experiment(name)
    for i in range(12):
        run = stores.runs.create_run(
            experiment_id, run_name=f"r{i}", start_time=T0 + i, user_id="ann" if i % 2 else ""
        )
        if i % 4 == 3:
            continue  # a run with only its system tags
        stores.runs.log_batch(
            run.run_id,
            metrics=[
                Metric("acc", (math.nan, math.inf, -math.inf, 0.1 * i)[i % 4], T0 + i, i),
                Metric("é-loss", 1.0 / (i + 1), T0, 2**40 + i),
            ],
            params=[Param("model", ("gbm", "rf")[i % 2]), Param("text", TEXTS[i % len(TEXTS)])],
            tags=[RunTag("team", TEXTS[(i + 1) % len(TEXTS)][:5000])],
        )
        if i % 3 == 0:
            stores.runs.log_inputs(
                run.run_id,
                [DatasetInput(Dataset("train", f"d{i}", "local", "/data"), {"context": "fit"})],
            )
        if i % 5 == 0:
            stores.runs.update_run_info(run.run_id, status=RunStatus.FINISHED, end_time=T0 + 99)
        if i == 6:
            stores.runs.delete_run(run.run_id)
    return experiment_id


@pytest.mark.parametrize(
    ("filter_string", "order_by", "view"),
    [
        ("", [], ViewType.ACTIVE_ONLY),
        ("params.model = 'gbm'", ["metrics.acc DESC"], ViewType.ACTIVE_ONLY),
        ("", ["attributes.start_time"], ViewType.ALL),
        ("", ["metrics.`é-loss`"], ViewType.DELETED_ONLY),
    ],
)
def test_record_pages_serialise_as_the_entity_pages(
    stores: SqlStores, filter_string: str, order_by: list[str], view: ViewType
) -> None:
    experiment_id = _populate(stores, f"records-{id(stores)}-{filter_string}-{order_by}-{view}")
    token: str | None = None
    pages = 0
    while True:
        query = RunQuery([experiment_id], filter_string, view, 5, order_by, token)
        entities = stores.runs.search_runs(
            query.experiment_ids, filter_string, view, 5, order_by, token
        )
        records = stores.runs.search_run_records(query)
        assert records.next_page_token == entities.next_page_token
        assert encode([run_record_json(r, DESTINATION) for r in records]) == encode(
            [run_json(r, DESTINATION) for r in entities]
        )
        pages += 1
        token = entities.next_page_token
        if token is None:
            break
    assert pages >= 1


def test_records_keep_what_was_stored(stores: SqlStores) -> None:
    experiment_id = _populate(stores, f"records-values-{id(stores)}")
    records = stores.runs.search_run_records(
        RunQuery([experiment_id], "", ViewType.ALL, 100, ["attributes.start_time"], None)
    )
    assert [r.row[2] for r in records] == [f"r{i}" for i in range(12)]
    first, bare, deleted = records.items[0], records.items[3], records.items[6]
    assert math.isnan(first.metrics["acc"][0])
    assert first.metrics["é-loss"] == (1.0, T0, 2**40)
    assert first.params == {"model": "gbm", "text": 'say "hi"'}
    assert first.inputs[0].dataset.digest == "d0"
    assert first.inputs[0].tags == {"context": "fit"}
    assert first.row[4] == "FINISHED"
    assert first.row[6] == T0 + 99
    assert bare.metrics == {}
    assert bare.params == {}
    assert set(bare.tags) == {"mlflow.runName", "mlflow.user"}  # run 3 has a user
    assert deleted.row[8] == "deleted"
    assert records.items[1].metrics["acc"][0] == math.inf
