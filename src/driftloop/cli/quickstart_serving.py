"""The serving half of ``driftloop quickstart``: the scoring server and its HTTP calls.

The deployment is served in this process on a free port of 127.0.0.1 by the real scoring app
(:func:`~driftloop.serving.app.create_app`), with a short hot-swap poll and log flush so that
what the CT controller changes in the registry is served within a fraction of a second and
what was scored is readable by the monitor right after each batch. :class:`ScoringClient`
sends one request per row to ``/v1/predict`` and labels to ``/v1/feedback``.
:func:`serve_api` runs the tracking API (as ``driftloop server`` does) for ``--keep-running``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pandas as pd

from driftloop.server.app import create_app as create_api_app
from driftloop.server.background import serve_in_background
from driftloop.server.config import ServerConfig
from driftloop.serving import ServeConfig
from driftloop.serving.app import create_app
from driftloop.tracking import Client
from driftloop.tracking.uri import resolve_store_location

DEPLOYMENT = "quickstart-prod"
POLL_SECONDS = 0.2
"""How often the scoring server re-reads the deployment (hot swap)."""
FLUSH_SECONDS = 0.2
"""Longest a scored row or a label waits before the inference log writes it."""
CONCURRENCY = 8
"""Requests the replay keeps in flight."""


@contextlib.contextmanager
def serve_deployment(client: Client, tracking_uri: str, log_root: str) -> Iterator[str]:
    """Serve :data:`DEPLOYMENT` until the block ends; yields the server's base URL."""
    config = ServeConfig(
        target=DEPLOYMENT,
        tracking_uri=tracking_uri,
        inference_log_uri=log_root,
        port=0,
        poll_seconds=POLL_SECONDS,
        log_flush_seconds=FLUSH_SECONDS,
    )
    with serve_in_background(create_app(config, client=client)) as url:
        yield url


@contextlib.contextmanager
def serve_api(tracking_uri: str, inference_log_uri: str) -> Iterator[str]:
    """The tracking REST API and web UI over the quickstart's store (``driftloop server``)."""
    location = resolve_store_location(tracking_uri)
    config = ServerConfig(
        backend_store_uri=location.db_uri,
        artifacts_destination=location.artifact_root,
        port=0,
        inference_log_uri=inference_log_uri,
    )
    config.check()
    with serve_in_background(create_api_app(config)) as url:
        yield url


class ScoringClient:
    """Requests and feedback to the scoring server at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        # uvicorn closes a connection idle for 5 s (its keep-alive timeout), which is httpx's
        # own expiry too: a connection reused at that moment (the replay pauses while the
        # controller trains) is closed under the request. Expire ours well before.
        limits = httpx.Limits(max_connections=CONCURRENCY, keepalive_expiry=1.0)
        self._http = httpx.Client(base_url=url, timeout=30, limits=limits)
        self._pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="quickstart-client")

    def close(self) -> None:
        """Stop the sending threads and close the connection pool."""
        self._pool.shutdown()
        self._http.close()

    def predict(self, features: pd.DataFrame) -> list[str]:
        """One request per row, :data:`CONCURRENCY` in flight; the request ids in row order.

        Concurrent requests are what lets the server micro-batch them into one model call.
        """
        columns = list(features.columns)
        bodies = [
            {"dataframe_split": {"columns": columns, "data": [list(values)]}}
            for values in features.itertuples(index=False)
        ]
        return list(self._pool.map(self._predict_one, bodies))

    def _predict_one(self, body: dict[str, Any]) -> str:
        response = self._http.post("/v1/predict", json=body)
        response.raise_for_status()
        return str(response.json()["request_id"])

    def feedback(self, request_ids: Sequence[str], labels: Sequence[int]) -> dict[str, Any]:
        """Send the true labels of earlier requests; returns the server's answer."""
        body = {
            "labels": [
                {"request_id": request_id, "label": int(label)}
                for request_id, label in zip(request_ids, labels, strict=True)
            ]
        }
        response = self._http.post("/v1/feedback", json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
