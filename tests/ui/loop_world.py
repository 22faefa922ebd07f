"""A tracking folder holding one turn of the loop, made through the real stores and client.

``churn`` v1 (trained by a run that logged ``accuracy`` 0.9, a git commit and a dataset
digest, with a reference profile of f0 and f1) is the champion of deployment ``churn-prod``.
Its inference log has three chunks of 300 one-request-a-second rows, each chunk in its own
five-minute window: f0 moves from N(0, 1) to N(3, 1) in chunks 1 and 2 (f1 never moves);
the labels agree with every prediction in chunk 0, with none from row 150 of chunk 1 on
(the error stream jumps), with every prediction again in chunk 2, whose first 150 rows only
are labelled; chunk 2 also has 100 failed requests. ``monitor_deployment`` ran after each
chunk. Then a CT episode (recorded through the CT store) trained v2, passed the gates, went
through shadow and one canary step and promoted v2: the champion alias moved to v2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from driftloop.entities import CtPhase, Dataset, DatasetInput, Metric, Run, RunTag
from driftloop.monitoring.inference_log import (
    FailedRequest,
    FeedbackLabel,
    InferenceLogWriter,
    ScoredRequest,
)
from driftloop.monitoring.monitor_run import monitor_deployment
from driftloop.monitoring.profile import build_profile
from driftloop.monitoring.request_ids import new_request_id
from driftloop.store.base import UNCHANGED, CtEventDraft
from driftloop.store.sql import SqlStores
from driftloop.tracking import Client

MODEL = "churn"
DEPLOYMENT = "churn-prod"
OTHER_MODEL = "fraud"
OTHER_DEPLOYMENT = "fraud-prod"
CHUNK = 300
WINDOW_MS = 300_000
BASE_MS = 1_795_800_000_000  # a multiple of WINDOW_MS
LATENCIES = (10.0, 20.0, 30.0)
FAILURES = 100
POLICY = {"deployment": DEPLOYMENT, "triggers": {"drift": {"consecutive": 2}}}


@dataclass(frozen=True)
class LoopWorld:
    root: Path
    training_run_id: str
    challenger_run_id: str
    pipeline_run_id: str
    episode_id: str
    monitor_run_ids: list[str]
    """Oldest first."""
    change_ms: int | None
    """When the detector found the error stream changed (chunk 1), if it did."""


def build_world(root: Path, stores: SqlStores) -> LoopWorld:
    client = Client(str(root))
    frame = _features(np.random.default_rng(0), 2000, shift=0.0)
    training = _training_run(client, stores)
    source = _write_profile(training.info.artifact_uri, frame)
    stores.registry.create_registered_model(MODEL, description="churn classifier")
    stores.model_versions.create_model_version(MODEL, source, training.info.run_id)
    stores.registry.set_alias(MODEL, "champion", 1)
    stores.deployments.create_deployment(DEPLOYMENT, MODEL)
    stores.registry.create_registered_model(OTHER_MODEL)
    stores.model_versions.create_model_version(OTHER_MODEL, source, training.info.run_id)
    stores.registry.set_alias(OTHER_MODEL, "champion", 1)
    stores.deployments.create_deployment(OTHER_DEPLOYMENT, OTHER_MODEL)

    log_root = f"{root}/artifacts/inference-log"
    monitor_ids: list[str] = []
    change_ms = None
    for chunk in range(3):
        _write_chunk(log_root, chunk)
        result = monitor_deployment(
            client, DEPLOYMENT, log_root, last_rows=CHUNK, store=stores.monitoring
        )
        assert result.stored is not None
        monitor_ids.append(result.stored.run_id)
        if chunk == 1 and result.changes:
            change_ms = result.changes[-1].timestamp

    pipeline = client.create_run("0", run_name="ct-pipeline")
    challenger_run = client.create_run("0", run_name="train")
    episode_id = _episode(stores, pipeline.info.run_id, challenger_run.info.run_id, source)
    return LoopWorld(
        root,
        training.info.run_id,
        challenger_run.info.run_id,
        pipeline.info.run_id,
        episode_id,
        monitor_ids,
        change_ms,
    )


def _features(rng: np.random.Generator, rows: int, shift: float) -> pd.DataFrame:
    return pd.DataFrame({"f0": rng.normal(shift, 1.0, rows), "f1": rng.normal(0.0, 1.0, rows)})


def _training_run(client: Client, stores: SqlStores) -> Run:
    run = client.create_run("0", run_name="sweep-best")
    stores.runs.log_batch(
        run.run_id,
        metrics=[Metric("accuracy", 0.9, BASE_MS, 0)],
        tags=[RunTag("mlflow.source.git.commit", "abc123def")],
    )
    stores.runs.log_inputs(
        run.run_id,
        [
            DatasetInput(
                Dataset("train", "d1g3st42", "local", "{}", "", ""),
                {"mlflow.data.context": "training"},
            )
        ],
    )
    client.set_terminated(run.run_id)
    return run


def _write_profile(artifact_uri: str, frame: pd.DataFrame) -> str:
    folder = Path(artifact_uri) / "model"
    folder.mkdir(parents=True)
    predictions = (frame["f0"] > 0).astype(int)
    profile = build_profile(frame, predictions=predictions)
    (folder / "profile.json").write_text(profile.to_json(), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"format_version": 1}), encoding="utf-8")
    return str(folder)


def _write_chunk(log_root: str, chunk: int) -> None:
    rng = np.random.default_rng(22 + chunk)  # seeds whose f1 and chunk-0 f0 do not drift
    frame = _features(rng, CHUNK, shift=0.0 if chunk == 0 else 3.0)
    predictions = (frame["f0"] > 0).astype(int).tolist()
    writer = InferenceLogWriter(log_root, DEPLOYMENT, flush_seconds=60, worker_id=f"w{chunk}")
    writer.start()
    labels = []
    start = BASE_MS + chunk * WINDOW_MS
    for row in range(CHUNK):
        request_id = new_request_id()
        stamp = start + row * 1000
        assert writer.submit(
            ScoredRequest(
                request_id=request_id,
                timestamp_ms=stamp,
                model_name=MODEL,
                model_version=1,
                route="champion",
                features=frame.iloc[[row]],
                predictions=[predictions[row]],
                probabilities=None,
                latency_ms=LATENCIES[chunk],
            )
        )
        wrong = chunk == 1 and row >= CHUNK // 2
        if chunk != 2 or row < CHUNK // 2:
            label = 1 - predictions[row] if wrong else predictions[row]
            labels.append(FeedbackLabel(request_id, label, timestamp_ms=stamp + 500))
    if chunk == 2:
        for index in range(FAILURES):
            assert writer.submit_failure(
                FailedRequest(
                    request_id=new_request_id(),
                    timestamp_ms=start + index * 1000 + 500,
                    model_name=MODEL,
                    model_version=1,
                    route="champion",
                    error_type="ValueError",
                    error_code="INTERNAL_ERROR",
                    status=500,
                    latency_ms=5.0,
                )
            )
    assert writer.submit_feedback(labels)
    writer.close()


def _episode(stores: SqlStores, pipeline_run_id: str, challenger_run_id: str, source: str) -> str:
    ct = stores.ct
    now = BASE_MS + 3 * WINDOW_MS
    ct.append_event(
        DEPLOYMENT,
        "controller_started",
        message="controller test-1 started",
        evidence={"holder": "test-1", "policy": POLICY},
        now=now,
    )
    trigger = {"kind": "drift", "consecutive": 2, "required": 2, "change_ms": now - 1000}
    episode = ct.start_episode(
        DEPLOYMENT,
        trigger="drift",
        evidence=trigger,
        champion_version=1,
        event=CtEventDraft(
            "trigger_fired", "drift trigger fired: 2 consecutive drift windows", trigger
        ),
        now=now,
    )
    version = stores.model_versions.create_model_version(
        MODEL,
        source,
        challenger_run_id,
        tags={
            "driftloop.ct.episode_id": episode.episode_id,
            "driftloop.ct.pipeline_run_id": pipeline_run_id,
            "driftloop.ct.window_cut_ms": str(now - 1000),
        },
    )
    steps = [
        (
            CtPhase.TRAINING,
            CtEventDraft(
                "pipeline_finished",
                f"pipeline run {pipeline_run_id} finished",
                {"run_id": pipeline_run_id, "validation_metrics": {"accuracy": 0.93}},
            ),
        ),
        (
            CtPhase.GATING,
            CtEventDraft(
                "gate_passed",
                "v2 passed the gates against v1",
                {
                    "passed": True,
                    "gates": [
                        {
                            "name": "metric",
                            "passed": True,
                            "message": "accuracy: challenger 0.931 vs champion 0.412",
                            "evidence": {
                                "metric": "accuracy",
                                "challenger": 0.931,
                                "champion": 0.412,
                            },
                        }
                    ],
                    "champion_version": 1,
                    "challenger_version": version.version,
                },
            ),
        ),
        (
            CtPhase.SHADOW,
            CtEventDraft("shadow_started", "shadow until 300 requests", {"fraction": None}),
        ),
        (
            CtPhase.CANARY,
            CtEventDraft(
                "canary_step",
                "shadow done: canary step 0",
                {
                    "canary_step": -1,
                    "fraction": 0.25,
                    "champion": {"version": 1, "requests": 500, "metric": 0.387},
                    "challenger": {"version": 2, "requests": 500, "metric": 0.951},
                },
            ),
        ),
        (
            CtPhase.PROMOTED,
            CtEventDraft(
                "promoted",
                "promoted v2 (churn@champion): last canary step held",
                {"champion_version": 2, "previous_champion_version": 1},
            ),
        ),
    ]
    current = episode
    for index, (phase, draft) in enumerate(steps):
        current = ct.advance_episode(
            current.episode_id,
            expected_revision=current.revision,
            phase=phase,
            pipeline_run_id=pipeline_run_id if phase is CtPhase.TRAINING else UNCHANGED,
            challenger_version=version.version,
            canary_step=0 if phase is CtPhase.CANARY else None,
            message=draft.message if phase is CtPhase.PROMOTED else UNCHANGED,
            event=draft,
            now=now + (index + 1) * 1000,
        )
    stores.deployments.update_deployment(DEPLOYMENT, challenger_version=2, mode="canary")
    stores.deployments.update_deployment(DEPLOYMENT, canary_fraction=0.25)
    stores.deployments.promote_deployment(DEPLOYMENT, actor="controller")
    return episode.episode_id
