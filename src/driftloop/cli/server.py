"""``driftloop server``: run the tracking, registry and artifact server."""

from __future__ import annotations

import json
import os
import secrets

import click

from driftloop.cli.uvicorn_runner import run_app
from driftloop.server.asgi import CONFIG_ENV
from driftloop.server.config import ServerConfig
from driftloop.ui.session import SECRET_ENV as UI_SECRET_ENV


@click.command("server")
@click.option(
    "--backend-store-uri",
    default="./.driftloop",
    show_default=True,
    help="Database: a folder, sqlite:///file.db or postgresql://user@host/db.",
)
@click.option(
    "--artifacts-destination",
    default="./.driftloop/artifacts",
    show_default=True,
    help="Where artifacts are stored and proxied from: a folder or s3://bucket/prefix.",
)
@click.option(
    "--inference-log",
    "inference_log",
    default=None,
    metavar="URI",
    help="Where the scoring servers write inference logs (a folder or s3://...), for the web "
    "UI's deployment and monitoring pages. Default: <artifacts-destination>/inference-log.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (the server is stateless; all share the database).",
)
@click.option("--auth", is_flag=True, help="Require a token or password on every route.")
@click.option(
    "--insecure-no-auth",
    is_flag=True,
    help="Allow serving a non-loopback interface without --auth (something in front "
    "must authenticate).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Extra Host header names to answer (repeat; '*' for any).",
)
@click.option(
    "--allowed-origin",
    "allowed_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Browser origins allowed to call the API (repeat).",
)
def server(
    backend_store_uri: str,
    artifacts_destination: str,
    inference_log: str | None,
    host: str,
    port: int,
    workers: int,
    auth: bool,
    insecure_no_auth: bool,
    allowed_hosts: tuple[str, ...],
    allowed_origins: tuple[str, ...],
) -> None:
    r"""Serve the web UI, the REST API, the MLflow-compatible API and the artifact proxy.

    \b
    Open http://127.0.0.1:5000/ in a browser for the UI (a login page with --auth).
    Point clients at it with:
      driftloop.set_tracking_uri("http://127.0.0.1:5000")   or   MLFLOW_TRACKING_URI=...
    Without --auth the server only binds loopback interfaces.
    """
    config = ServerConfig(
        backend_store_uri=backend_store_uri,
        artifacts_destination=artifacts_destination,
        host=host,
        port=port,
        auth=auth,
        insecure_no_auth=insecure_no_auth,
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
        inference_log_uri=inference_log,
    )
    config.check()
    os.environ[CONFIG_ENV] = json.dumps(
        {
            "backend_store_uri": backend_store_uri,
            "artifacts_destination": artifacts_destination,
            "host": host,
            "port": port,
            "auth": auth,
            "insecure_no_auth": insecure_no_auth,
            "allowed_hosts": list(allowed_hosts),
            "allowed_origins": list(allowed_origins),
            "inference_log_uri": inference_log,
        }
    )
    if workers > 1:  # every worker must sign the UI's session cookies with the same key
        os.environ.setdefault(UI_SECRET_ENV, secrets.token_urlsafe(32))
    run_app(
        "driftloop.server.asgi:app_from_environment",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
