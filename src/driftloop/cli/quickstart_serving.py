"""The serving half of ``driftloop quickstart``: deploy, score, take feedback, read the log.

The champion is deployed with the challenger in shadow mode, served in this process on a free
port, sent the test rows one request each, then given their true labels; the inference log is
read back joined with the labels, and each version's live accuracy is printed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import httpx

import driftloop
from driftloop.cli.serve import default_inference_log_uri
from driftloop.entities import DeploymentMode
from driftloop.errors import DeploymentNotFoundError, InvalidParameterError
from driftloop.monitoring.inference_log import read_inference_log
from driftloop.server.background import serve_in_background
from driftloop.serving import ServeConfig
from driftloop.serving.app import create_app

DEPLOYMENT = "quickstart-prod"
REQUESTS = 200


def serve_and_feed_back(
    model_name: str,
    tracking_uri: str,
    data: dict[str, Any],
    on_request: Callable[[], None],
) -> dict[str, Any]:
    """Run the serving loop; returns the figures the summary prints."""
    client = driftloop.Client(tracking_uri)
    challenger = client.get_version_by_alias(model_name, "challenger").version
    try:
        client.get_deployment(DEPLOYMENT)
    except DeploymentNotFoundError:
        client.create_deployment(DEPLOYMENT, model_name)
    client.update_deployment(DEPLOYMENT, challenger_version=challenger, mode=DeploymentMode.SHADOW)
    try:
        log_root = default_inference_log_uri(tracking_uri)
    except InvalidParameterError:  # a remote tracking server: keep the log in a temp folder
        log_root = tempfile.mkdtemp(prefix="driftloop-inference-log-")
    config = ServeConfig(
        target=DEPLOYMENT, tracking_uri=tracking_uri, inference_log_uri=log_root, port=0
    )
    rows = data["x_test"].head(REQUESTS)
    labels = data["y_test"][:REQUESTS]
    request_ids: list[str] = []
    with (
        serve_in_background(create_app(config, client=client)) as url,
        httpx.Client(timeout=30) as http,
    ):
        columns = list(rows.columns)
        for values in rows.itertuples(index=False):
            body = {"dataframe_split": {"columns": columns, "data": [list(values)]}}
            response = http.post(f"{url}/v1/predict", json=body)
            response.raise_for_status()
            request_ids.append(response.json()["request_id"])
            on_request()
        feedback = http.post(
            f"{url}/v1/feedback",
            json={
                "labels": [
                    {"request_id": request_id, "label": int(label)}
                    for request_id, label in zip(request_ids, labels, strict=True)
                ]
            },
        )
        feedback.raise_for_status()
    table = read_inference_log(log_root, DEPLOYMENT).to_pandas()
    table = table[table["request_id"].isin(request_ids)]
    accuracy = {}
    for route, group in table.groupby("route"):
        labelled = group.dropna(subset=["label"])
        version = int(group["model_version"].iloc[0])
        hits = (labelled["prediction"].astype(int) == labelled["label"].astype(int)).mean()
        accuracy[f"{route} v{version}"] = (float(hits), len(labelled))
    return {"requests": len(request_ids), "log_root": log_root, "accuracy": accuracy}
