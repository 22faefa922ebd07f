"""The end of the quickstart: accuracy per segment, the HTML report, and where to look.

Accuracy is measured on what users got: the answered requests (champion and canary routes,
not shadow copies) of the inference log joined with their feedback labels, per segment of
the replay: before the change, from the change until the promotion, after the promotion.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from driftloop.cli._quickstart_replay import MONITOR_WINDOW, Replay
from driftloop.cli._quickstart_stream import Layout
from driftloop.cli.quickstart_serving import DEPLOYMENT
from driftloop.monitoring.inference_log import read_inference_log
from driftloop.monitoring.monitor_run import deployment_report, monitor_deployment
from driftloop.store.monitor_base import MonitorStore
from driftloop.tracking import Client

REPORT_FILE = "quickstart-report.html"


@dataclass(frozen=True, slots=True)
class Segment:
    """Accuracy of the answers over replay rows ``[start, end)``."""

    name: str
    start: int
    end: int
    accuracy: float | None
    labelled: int
    versions: tuple[int, ...]


def segment_accuracy(log_root: str, done: Replay, layout: Layout) -> list[Segment]:
    """Before drift, during drift (until promotion), after promotion."""
    table = read_inference_log(log_root, DEPLOYMENT, routes=["champion", "challenger"])
    frame = table.select(["request_id", "model_version", "prediction", "label"]).to_pandas()
    position = {request_id: row for row, request_id in enumerate(done.request_ids)}
    frame["row"] = frame["request_id"].map(position)
    frame = frame.dropna(subset=["row", "label"])
    promoted = done.promoted_row if done.promoted_row is not None else layout.replay
    bounds = [
        ("before drift", 0, layout.change),
        ("during drift", layout.change, promoted),
        ("after promotion", promoted, layout.replay),
    ]
    segments = []
    for name, start, end in bounds:
        rows = frame[(frame["row"] >= start) & (frame["row"] < end)]
        hits = rows["prediction"].astype(int).to_numpy() == rows["label"].astype(int).to_numpy()
        accuracy = float(np.mean(hits)) if len(rows) else None
        versions = tuple(sorted({int(v) for v in rows["model_version"]}))
        segments.append(Segment(name, start, end, accuracy, len(rows), versions))
    return segments


def write_report(
    client: Client, log_root: str, store: MonitorStore, folder: Path, since_ms: int
) -> Path:
    """The deployment's HTML monitoring report (newest window + the recorded series)."""
    result = monitor_deployment(client, DEPLOYMENT, log_root, last_rows=MONITOR_WINDOW)
    report = deployment_report(
        result, store, since_ms=since_ms, title=f"driftloop quickstart: {DEPLOYMENT}"
    )
    return report.save(folder / REPORT_FILE)


def where_to_look(
    *,
    tracking_uri: str,
    explicit_uri: bool,
    folder: Path,
    artifact_root: str,
    policy_path: Path,
    report_path: Path,
    model_name: str,
    experiment: str,
) -> str:
    """The closing text: files written and commands to explore them."""
    command = (
        f"driftloop --tracking-uri {shlex.quote(tracking_uri)}" if explicit_uri else ("driftloop")
    )
    return "\n".join(
        [
            "Where to look:",
            f"  tracking data     {folder}",
            f"  CT policy         {policy_path}",
            f"  monitoring report {report_path}",
            f"  {command} runs list --experiment {shlex.quote(experiment)}",
            f"  {command} models versions {shlex.quote(model_name)}",
            f"  {command} ct events {DEPLOYMENT}",
            f"  {command} monitor report --deployment {DEPLOYMENT} --window {MONITOR_WINDOW}",
            (
                f"  {command} controller --policy {shlex.quote(str(policy_path))}"
                "   (the controller as a service)"
            ),
            f"  {command} serve {DEPLOYMENT}   (the scoring server)",
            (
                f"  driftloop server --backend-store-uri {shlex.quote(tracking_uri)} "
                f"--artifacts-destination {shlex.quote(artifact_root)}"
                "   (the web UI and tracking API)"
            ),
        ]
    )
