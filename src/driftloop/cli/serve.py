"""``driftloop serve``: run the scoring server for a deployment or a registered model."""

from __future__ import annotations

import os
import tempfile

import click

from driftloop.cli.state import CliState, pass_state
from driftloop.cli.uvicorn_runner import run_app
from driftloop.errors import InvalidParameterError
from driftloop.server.config import is_loopback
from driftloop.serving.config import CONFIG_ENV, ServeConfig
from driftloop.tracking.uri import resolve_store_location

_HELP = r"""Serve TARGET over HTTP: a deployment name, or models:/NAME@ALIAS (follows the alias)
or models:/NAME/VERSION.

\b
Routes:
  POST /invocations   MLflow's scoring formats (dataframe_split, dataframe_records,
                      instances, inputs; JSON or CSV) -> {"predictions": [...]}
  POST /v1/predict    per row: prediction, probabilities, request id, version, route
  POST /v1/feedback   ground truth for earlier request ids: {"request_id", "label"}
                      or {"labels": [...]}
  GET  /health /ready /version /metrics (Prometheus)

\b
The server polls the deployment every --poll-seconds and hot-swaps a new champion or
challenger without dropping requests. Every scored row is logged to Parquet under
--inference-log (default: <artifact root>/inference-log of a local tracking store).
"""


@click.command("serve", help=_HELP)
@click.argument("target")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=click.IntRange(1, 65535), default=5001, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes; each loads the model and writes its own inference-log files.",
)
@click.option(
    "--inference-log",
    "inference_log",
    metavar="URI",
    help="Where the inference log goes: a folder, file:// or s3://bucket/prefix.",
)
@click.option("--no-inference-log", is_flag=True, help="Do not log predictions (no feedback).")
@click.option(
    "--max-batch-size",
    type=click.IntRange(1, 100_000),
    default=64,
    show_default=True,
    help="Most rows scored in one model call; concurrent requests are coalesced up to it "
    "(1 turns micro-batching off).",
)
@click.option(
    "--max-wait-ms",
    type=click.FloatRange(0, 1000),
    default=2.0,
    show_default=True,
    help="Longest a request waits for others to join its batch.",
)
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.05, 3600),
    default=1.0,
    show_default=True,
    help="How often the deployment and its aliases are checked for a new version.",
)
@click.option(
    "--log-flush-seconds",
    type=click.FloatRange(0.05, 3600),
    default=5.0,
    show_default=True,
    help="Longest a logged prediction waits before its Parquet file is written.",
)
@click.option(
    "--model-threads",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Native (OpenMP/BLAS) threads per model call. 1 suits many small requests: "
    "scale with --workers instead; raise it for large batch requests.",
)
@click.option(
    "--trusted",
    is_flag=True,
    help="Allow model formats that run code when loaded (pickle); only for models you trust.",
)
@click.option(
    "--insecure-bind",
    is_flag=True,
    help="Allow binding a non-loopback interface (the scoring routes have no authentication; "
    "put an authenticating proxy in front).",
)
@pass_state
def serve(
    state: CliState,
    target: str,
    host: str,
    port: int,
    workers: int,
    inference_log: str | None,
    no_inference_log: bool,
    max_batch_size: int,
    max_wait_ms: float,
    poll_seconds: float,
    log_flush_seconds: float,
    model_threads: int,
    trusted: bool,
    insecure_bind: bool,
) -> None:
    """Run the scoring server (help text in ``_HELP``)."""
    if not is_loopback(host) and not insecure_bind:
        raise InvalidParameterError(
            f"refusing to bind {host!r}: the scoring routes have no authentication; bind "
            "127.0.0.1 behind a proxy, or pass --insecure-bind",
            field="host",
        )
    tracking_uri = state.resolved_tracking_uri()
    log_uri = None if no_inference_log else inference_log or default_inference_log_uri(tracking_uri)
    config = ServeConfig(
        target=target,
        tracking_uri=tracking_uri,
        inference_log_uri=log_uri,
        host=host,
        port=port,
        workers=workers,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        poll_seconds=poll_seconds,
        log_flush_seconds=log_flush_seconds,
        model_threads=model_threads,
        trusted=trusted,
    )
    config.check()
    os.environ[CONFIG_ENV] = config.to_json()
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Every worker writes its metric values here; /metrics aggregates them all.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="driftloop-metrics-")
    run_app(
        "driftloop.serving.asgi:app_from_environment",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=30,
    )


def default_inference_log_uri(tracking_uri: str) -> str:
    """``<artifact root>/inference-log`` of a local tracking store.

    Raises:
        InvalidParameterError: The tracking URI is a remote server (say where instead).
    """
    if tracking_uri.startswith(("http://", "https://")):
        raise InvalidParameterError(
            "with a remote tracking server, say where the inference log goes: "
            "--inference-log s3://bucket/prefix (or a folder), or --no-inference-log",
            field="inference_log",
        )
    root = resolve_store_location(tracking_uri).artifact_root.rstrip("/")
    return f"{root}/inference-log"
