"""Everything the CLI prints: entities as JSON-ready dicts, JSON text, and rich tables."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from driftloop.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    Metric,
    Run,
    RunInfo,
)

_WIDE_OUTPUT = 200  # columns used when stdout is not a terminal (pipes, files)


def console(*, stderr: bool = False) -> Console:
    """A rich console for stdout (or stderr); wide when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else _WIDE_OUTPUT
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False)


# -- JSON --------------------------------------------------------------------------------


def json_number(value: float) -> float | str:
    """A float for JSON: NaN and infinities become the strings ``"NaN"``, ``"Infinity"``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def experiment_to_dict(experiment: Experiment) -> dict[str, Any]:
    """An experiment as a JSON-ready dict."""
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": str(experiment.lifecycle_stage),
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": dict(experiment.tags),
    }


def run_info_to_dict(info: RunInfo) -> dict[str, Any]:
    """Run metadata as a JSON-ready dict."""
    return {
        "run_id": info.run_id,
        "experiment_id": info.experiment_id,
        "run_name": info.run_name,
        "user_id": info.user_id,
        "status": str(info.status),
        "start_time": info.start_time,
        "end_time": info.end_time,
        "artifact_uri": info.artifact_uri,
        "lifecycle_stage": str(info.lifecycle_stage),
    }


def metric_to_dict(metric: Metric) -> dict[str, Any]:
    """A metric point as a JSON-ready dict."""
    return {
        "key": metric.key,
        "value": json_number(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def dataset_input_to_dict(dataset_input: DatasetInput) -> dict[str, Any]:
    """A dataset input as a JSON-ready dict."""
    dataset = dataset_input.dataset
    return {
        "dataset": {
            "name": dataset.name,
            "digest": dataset.digest,
            "source_type": dataset.source_type,
            "source": dataset.source,
            "schema": dataset.schema,
            "profile": dataset.profile,
        },
        "tags": dict(dataset_input.tags),
    }


def run_to_dict(run: Run) -> dict[str, Any]:
    """A run (info, data, inputs) as a JSON-ready dict."""
    return {
        "info": run_info_to_dict(run.info),
        "data": {
            "metrics": [metric_to_dict(m) for m in run.data.latest_metrics.values()],
            "params": dict(run.data.params),
            "tags": dict(run.data.tags),
        },
        "inputs": {"dataset_inputs": [dataset_input_to_dict(d) for d in run.inputs.dataset_inputs]},
    }


def file_info_to_dict(info: FileInfo) -> dict[str, Any]:
    """An artifact listing entry as a JSON-ready dict."""
    return {"path": info.path, "is_dir": info.is_dir, "file_size": info.file_size}


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (strict: no bare NaN)."""
    click.echo(json.dumps(data, indent=2, sort_keys=False, allow_nan=False))


# -- tables ------------------------------------------------------------------------------


def format_time(milliseconds: int | None) -> str:
    """Milliseconds since the epoch as local ``YYYY-MM-DD HH:MM:SS`` (``-`` for None)."""
    if milliseconds is None:
        return "-"
    moment = dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_duration(start: int, end: int | None) -> str:
    """A run's duration, e.g. ``2.4s`` or ``3m12s`` (``-`` while running)."""
    if end is None:
        return "-"
    seconds = max(0.0, (end - start) / 1000)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_value(value: float) -> str:
    """A metric value with 6 significant digits."""
    return f"{value:.6g}"


def format_size(size: int | None) -> str:
    """Bytes as a human size (``-`` for directories)."""
    if size is None:
        return "-"
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{int(amount)} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
    """A rich table with the given header and rows of text."""
    result = Table(title=None if title is None else Text(title), title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*(Text(cell) for cell in row))  # Text: user data is not markup
    return result


def experiments_table(experiments: Sequence[Experiment]) -> Table:
    """Experiments, one per row."""
    return table(
        None,
        ["ID", "Name", "Stage", "Created", "Artifact location"],
        (
            [
                e.experiment_id,
                e.name,
                str(e.lifecycle_stage),
                format_time(e.creation_time),
                e.artifact_location,
            ]
            for e in experiments
        ),
    )


def runs_table(runs: Sequence[Run], metric_keys: Sequence[str] = ()) -> Table:
    """Runs, one per row, with a column per metric in ``metric_keys``."""
    rows = []
    for run in runs:
        metrics = run.data.metrics
        rows.append(
            [
                run.info.run_id,
                run.info.run_name,
                str(run.info.status),
                format_time(run.info.start_time),
                format_duration(run.info.start_time, run.info.end_time),
                *(format_value(metrics[key]) if key in metrics else "-" for key in metric_keys),
            ]
        )
    return table(None, ["Run ID", "Name", "Status", "Started", "Duration", *metric_keys], rows)


def key_value_table(title: str, values: Mapping[str, str]) -> Table:
    """A two-column table of sorted key/value pairs."""
    return table(title, ["Key", "Value"], ([key, values[key]] for key in sorted(values)))


def common_metric_keys(runs: Sequence[Run], limit: int = 4) -> list[str]:
    """The metric keys most runs have (at most ``limit``), for a compact runs table."""
    counts: dict[str, int] = {}
    for run in runs:
        for key in run.data.latest_metrics:
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return ranked[:limit]
