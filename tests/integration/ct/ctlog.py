"""A real tracking folder and inference log for the CT data and retraining tests.

The champion of ``churn`` was trained on the old concept (label = f0 + f1 > 0); the logged
traffic follows the new one (label = f0 - f1 > 0), so a retrained challenger beats it. Rows
go through the real :class:`InferenceLogWriter`, one request each, one second apart, ending
just before ``T0``; labels arrive as feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from tests.integration.ct.training import new_concept, old_concept

from driftloop.monitoring.inference_log import FeedbackLabel, InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id
from driftloop.tracking import Client

T0 = int(datetime(2025, 3, 4, 12, 0, tzinfo=UTC).timestamp() * 1000)
SECOND = 1000
MODEL = "churn"


@dataclass(frozen=True, slots=True)
class Logged:
    """What :func:`write_rows` wrote: the rows' request ids, sequence numbers and times."""

    request_ids: list[str]
    seqs: list[int]
    stamps: list[int]


def features(rows: int, *, first_seq: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 3)), columns=["f0", "f1", "f2"])
    frame.insert(0, "seq", np.arange(first_seq, first_seq + rows))
    return frame


def register_champion(client: Client) -> None:
    """``churn`` v1 (alias champion): a logistic regression fitted on the old concept."""
    frame = features(600, first_seq=0, seed=99)  # seq covers the logged rows' range
    target = old_concept(frame)
    run = client.create_run("0")
    model = LogisticRegression(max_iter=200).fit(frame, target)
    client.log_model(
        run.info.run_id,
        model,
        "model",
        training_data=frame,
        target=target,
        registered_model_name=MODEL,
    )
    client.set_terminated(run.info.run_id)
    client.set_alias(MODEL, "champion", 1)


def write_rows(
    root: str,
    deployment: str,
    frame: pd.DataFrame,
    *,
    end_ms: int = T0,
    route: str | Sequence[str] = "champion",
    labelled: bool | Sequence[bool] = True,
) -> Logged:
    """Log each row of ``frame`` as one request, one second apart, the last at ``end_ms - 1 s``.

    Labels follow the new concept; rows with ``labelled`` False get no feedback.
    """
    rows = len(frame)
    routes = [route] * rows if isinstance(route, str) else list(route)
    labels_on = [labelled] * rows if isinstance(labelled, bool) else list(labelled)
    labels = new_concept(frame)
    stamps = [end_ms - (rows - row) * SECOND for row in range(rows)]
    writer = InferenceLogWriter(root, deployment, flush_seconds=60)
    writer.start()
    ids, feedback = [], []
    for row in range(rows):
        request_id = new_request_id()
        ids.append(request_id)
        assert writer.submit(
            ScoredRequest(
                request_id=request_id,
                timestamp_ms=stamps[row],
                model_name=MODEL,
                model_version=1,
                route=routes[row],
                features=frame.iloc[[row]],
                predictions=[int(labels[row])],
                probabilities=None,
                latency_ms=1.0,
            )
        )
        if labels_on[row]:
            feedback.append(
                FeedbackLabel(request_id, int(labels[row]), timestamp_ms=stamps[row] + 500)
            )
    if feedback:
        assert writer.submit_feedback(feedback)
    writer.close()
    return Logged(ids, [int(seq) for seq in frame["seq"]], stamps)


def add_label(root: str, deployment: str, request_id: str, label: int, at_ms: int) -> None:
    writer = InferenceLogWriter(root, deployment, flush_seconds=60)
    writer.start()
    assert writer.submit_feedback([FeedbackLabel(request_id, label, timestamp_ms=at_ms)])
    writer.close()


def log_root(tracking: Path) -> str:
    return str(tracking / "inference-log")
