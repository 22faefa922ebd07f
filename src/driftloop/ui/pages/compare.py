"""Compare runs: overlaid metric charts, a diff table of params and metrics, a scatter.

The runs come from ``runs`` query parameters (the runs table's checkboxes). The page is a
``GLOBAL`` read: a run in an experiment the caller may not read answers 404 like a missing
one, so the page tells nothing about runs the caller cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from driftloop.entities import Run
from driftloop.errors import InvalidParameterError, RunNotFoundError
from driftloop.server.routing import Call, Endpoint
from driftloop.ui.page import page
from driftloop.ui.render import format_number, render
from driftloop.ui.scatter import scatter_plot

MAX_RUNS = 20


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One param or metric across the compared runs."""

    key: str
    values: tuple[str, ...]
    differs: bool


def compare(call: Call) -> Response:
    """Compare two or more runs."""
    ids = list(dict.fromkeys(i for i in call.params.strings("runs") if i))
    if len(ids) < 2:
        raise InvalidParameterError("select at least two runs to compare", field="runs")
    if len(ids) > MAX_RUNS:
        raise InvalidParameterError(f"compare at most {MAX_RUNS} runs at once", field="runs")
    runs = [_visible_run(call, run_id) for run_id in ids]
    only_diff = call.params.boolean("only_diff")
    params = _rows(runs, "params", only_diff)
    metrics = _rows(runs, "metrics", only_diff)
    param_keys = sorted({k for run in runs for k in run.data.params})
    metric_keys = sorted({k for run in runs for k in run.data.latest_metrics})
    x_key = call.params.string("x") or next(
        (row.key for row in _rows(runs, "params", True)), param_keys[0] if param_keys else ""
    )
    y_key = call.params.string("y") or (metric_keys[0] if metric_keys else "")
    plot = None
    if x_key and y_key:
        plot = scatter_plot(
            [
                (_label(run), run.data.params[x_key], run.data.metrics[y_key])
                for run in runs
                if x_key in run.data.params and y_key in run.data.metrics
            ],
            x_key,
            y_key,
        )
    charts = [
        (
            key,
            [r.run_id for r in runs if key in r.data.latest_metrics],
            [_label(r) for r in runs if key in r.data.latest_metrics],
        )
        for key in metric_keys
    ]
    return render(
        call,
        "compare.html.j2",
        {
            "runs": runs,
            "labels": [_label(run) for run in runs],
            "params": params,
            "metrics": metrics,
            "only_diff": only_diff,
            "charts": charts,
            "param_keys": param_keys,
            "metric_keys": metric_keys,
            "x_key": x_key,
            "y_key": y_key,
            "plot": plot,
        },
    )


def _visible_run(call: Call, run_id: str) -> Run:
    visible = call.state.authorizer.visible_experiment_ids(call)
    try:
        run = call.state.stores.runs.get_run(run_id)
    except RunNotFoundError:
        run = None
    if run is None or (visible is not None and run.info.experiment_id not in visible):
        raise RunNotFoundError(f"Run with id={run_id} not found", field="runs")
    return run


def _label(run: Run) -> str:
    return run.info.run_name or run.run_id[:8]


def _rows(runs: list[Run], kind: str, only_diff: bool) -> list[DiffRow]:
    if kind == "params":
        tables = [dict(run.data.params) for run in runs]
    else:
        tables = [{k: format_number(v) for k, v in run.data.metrics.items()} for run in runs]
    keys = sorted({k for table in tables for k in table})
    rows = []
    for key in keys:
        values = tuple(table.get(key, "") for table in tables)
        differs = len(set(values)) > 1
        if differs or not only_diff:
            rows.append(DiffRow(key, values, differs))
    return rows


PAGES: list[Endpoint] = [page("/compare", compare)]
