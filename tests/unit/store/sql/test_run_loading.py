"""A search page's runs carry the same data as ``get_run`` (``driftloop.store.sql.run_loading``).

On PostgreSQL a search reads each run's params, tags and latest metrics as JSON in the page
query itself; ``get_run`` reads them with one query per table. The values that JSON could
bend (NaN, infinities, -0.0, subnormal and long floats, 64-bit integers, quotes, backslashes,
non-ASCII keys) must come back identical, keys in the same order.
"""

from __future__ import annotations

import math

from driftloop.entities import Dataset, DatasetInput, Metric, Param, Run, RunTag
from driftloop.store.sql import SqlStores

T0 = 1_700_000_000_000
BIG = 2**62
KEYS = ("Zeta", "alpha", "é", "_x", "a b", "a.b/c", "Ä:k-1", "10", "9")
VALUES = (
    math.nan,
    math.inf,
    -math.inf,
    -0.0,
    0.0,
    5e-324,
    0.1,
    1.4448097093259913,
    1e300,
)
TEXTS = ('say "hi"', "back\\slash", "line\nbreak", "{}", '["json"]', "ünïcödé", "", "x" * 6000, "0")


def _values(run: Run) -> tuple[object, ...]:
    metrics = run.data.latest_metrics
    return (
        run.info,
        list(run.data.params.items()),
        list(run.data.tags.items()),
        [(k, repr(m.value), m.timestamp, m.step) for k, m in metrics.items()],
        list(metrics),
        run.inputs,
    )


def test_search_page_runs_equal_get_run(stores: SqlStores) -> None:
    experiment_id = stores.experiments.create_experiment(f"loading-{id(stores)}-{T0}")
    rich = stores.runs.create_run(experiment_id, run_name="rich", start_time=T0)
    stores.runs.log_batch(
        rich.run_id,
        metrics=[
            Metric(key, value, T0 + BIG // 2 * (i % 2), BIG if i % 3 else -i)
            for i, (key, value) in enumerate(zip(KEYS, VALUES, strict=True))
        ],
        params=[Param(key, text) for key, text in zip(KEYS, TEXTS, strict=True)],
        tags=[RunTag(key, text[:5000]) for key, text in zip(reversed(KEYS), TEXTS, strict=True)],
    )
    stores.runs.log_inputs(
        rich.run_id,
        [DatasetInput(Dataset("train", "d1gest"), {"mlflow.data.context": "training"})],
    )
    stores.runs.create_run(experiment_id, run_name="bare", start_time=T0 + 1)
    only_metrics = stores.runs.create_run(experiment_id, run_name="m", start_time=T0 + 2)
    stores.runs.log_batch(only_metrics.run_id, metrics=[Metric("loss", math.nan, T0, 0)])

    page = stores.runs.search_runs([experiment_id], "", order_by=["attributes.start_time"])

    assert [run.info.run_name for run in page] == ["rich", "bare", "m"]
    for found in page:
        expected = stores.runs.get_run(found.info.run_id)
        assert _values(found) == _values(expected)
    found_rich = page.items[0]
    assert list(found_rich.data.params) == sorted(KEYS)
    assert found_rich.data.params[KEYS[TEXTS.index("x" * 6000)]] == "x" * 6000
    if stores.database.dialect == "postgresql":  # SQLite itself stores -0.0 as 0.0
        assert repr(found_rich.data.latest_metrics["_x"].value) == "-0.0"
    assert found_rich.data.latest_metrics["alpha"].value == math.inf
    assert found_rich.inputs.dataset_inputs[0].dataset.name == "train"
    assert page.items[1].data.params == {}
    assert math.isnan(page.items[2].data.latest_metrics["loss"].value)
