"""One run: params, tags, system information, metric charts, datasets and artifacts.

The page itself carries no metric points: each chart fetches its series from
``/runs/<id>/metric-history`` when it scrolls into view, so a run with 50 metrics of 10,000
steps renders as fast as one with a single point.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import FileResponse, Response

from driftloop.entities import PARENT_RUN_ID_TAG, Run
from driftloop.errors import ArtifactNotFoundError
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.ui import artifacts
from driftloop.ui.ids import path_id
from driftloop.ui.page import page
from driftloop.ui.queries import child_runs
from driftloop.ui.render import render

SYSTEM_TAGS = (
    ("mlflow.source.git.commit", "Git commit"),
    ("driftloop.source.git.dirty", "Uncommitted changes"),
    ("mlflow.source.name", "Entry point"),
    ("mlflow.source.type", "Source type"),
    ("mlflow.user", "User"),
    ("driftloop.python_version", "Python"),
    (PARENT_RUN_ID_TAG, "Parent run"),
)
CHILD_RUNS_SHOWN = 100


def run_page(call: Call) -> Response:
    """The run detail page."""
    run_id = path_id(call, "run_id")
    stores = call.state.stores
    run = stores.runs.get_run(run_id)
    experiment = stores.experiments.get_experiment(run.info.experiment_id)
    children = child_runs(stores, run_id, CHILD_RUNS_SHOWN)
    system_keys = {key for key, _ in SYSTEM_TAGS}
    return render(
        call,
        "run.html.j2",
        {
            "run": run,
            "experiment": experiment,
            "children": children,
            "system": [
                (label, key, run.data.tags[key])
                for key, label in SYSTEM_TAGS
                if key in run.data.tags
            ],
            "tags": sorted((k, v) for k, v in run.data.tags.items() if k not in system_keys),
            "params": sorted(run.data.params.items()),
            "metrics": sorted(run.data.latest_metrics.values(), key=lambda m: m.key),
            "datasets": [_dataset(item) for item in run.inputs.dataset_inputs],
            "browser": _browser(call, run),
        },
    )


def metric_history(call: Call) -> Response:
    """Every point of one metric of a run, as ``{steps, timestamps, values}`` arrays."""
    run_id = path_id(call, "run_id")
    key = call.params.required_str("key")
    points = call.state.stores.runs.get_metric_history(run_id, key)
    body = {
        "key": key,
        "steps": [p.step for p in points],
        "timestamps": [p.timestamp for p in points],
        "values": [p.value if math.isfinite(p.value) else None for p in points],
    }
    return Response(orjson.dumps(body), media_type="application/json")


def download(call: Call) -> Response:
    """One artifact file, as an attachment (or inline for an image preview)."""
    run_id = path_id(call, "run_id")
    run = call.state.stores.runs.get_run(run_id)
    base = artifacts.artifact_base(call, run)
    path = artifacts.clean_path(call.params.string("path"), "path")
    if base is None or not path:
        return render(
            call,
            "error.html.j2",
            {"title": "Not found", "message": "this artifact cannot be read through the server"},
            404,
        )
    name = path.rsplit("/", 1)[-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    inline = call.params.boolean("inline") and suffix in artifacts.IMAGE_TYPES
    media_type = artifacts.IMAGE_TYPES[suffix] if inline else "application/octet-stream"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "no-store",
    }
    local = artifacts.local_file(call, base, path)
    disposition = "inline" if inline else "attachment"
    if local is not None:
        return FileResponse(
            local,
            media_type=media_type,
            headers=headers,
            filename=name,
            content_disposition_type=disposition,
        )
    data = artifacts.read_bytes(call, base, path)
    headers["Content-Disposition"] = f"{disposition}; filename*=utf-8''{quote(name, safe='')}"
    return Response(data, media_type=media_type, headers=headers)


def _browser(call: Call, run: Run) -> dict[str, Any]:
    base = artifacts.artifact_base(call, run)
    if base is None:
        return {"available": False}
    directory = artifacts.clean_path(call.params.string("dir"), "dir")
    chosen = artifacts.clean_path(call.params.string("file"), "file")
    if chosen:
        directory = chosen.rpartition("/")[0]
    entries = artifacts.list_entries(call, base, directory)
    if not chosen:  # a model directory shows its manifest
        chosen = next(
            (e.path for e in entries if not e.is_dir and e.name in artifacts.MANIFEST_FILES), ""
        )
    shown = None
    if chosen:
        size = next((e.size for e in entries if e.path == chosen), None)
        if size is None and not any(e.path == chosen for e in entries):
            raise ArtifactNotFoundError(f"no artifact file at {chosen!r}", field="file")
        shown = artifacts.preview(call, base, chosen, size)
    parts = directory.split("/") if directory else []
    crumbs = [("/".join(parts[: i + 1]), part) for i, part in enumerate(parts)]
    return {
        "available": True,
        "dir": directory,
        "crumbs": crumbs,
        "entries": entries,
        "preview": shown,
    }


def _dataset(item: Any) -> dict[str, Any]:
    dataset = item.dataset
    return {
        "name": dataset.name,
        "digest": dataset.digest,
        "source_type": dataset.source_type,
        "context": item.tags.get("mlflow.data.context", ""),
        "source": _pretty(dataset.source),
        "schema": _pretty(dataset.schema),
        "profile": _pretty(dataset.profile),
    }


def _pretty(text: str) -> str:
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


_RUN = Resource.RUN

PAGES: list[Endpoint] = [
    page("/runs/{run_id}", run_page, Permission.READ, _RUN),
    page("/runs/{run_id}/artifact", download, Permission.READ, _RUN),
    endpoint("/runs/{run_id}/metric-history", "GET", metric_history, Permission.READ, _RUN),
]
