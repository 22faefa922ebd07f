"""Two-way translation between stored artifact URIs and what MLflow clients see.

The server stores real URIs below ``config.artifacts_destination`` (a folder or an S3 prefix).
MLflow clients must see ``mlflow-artifacts:/<path relative to the destination>`` instead, so
that they upload and download through the server's artifact proxy and need no credentials of
their own. URIs outside the destination (an experiment created with an explicit ``s3://``
location) are passed through unchanged, both ways.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from driftloop.artifacts.paths import join_artifact_path, validate_artifact_path

SCHEME = "mlflow-artifacts"
PREFIX = f"{SCHEME}:/"


def to_client_uri(uri: str, destination: str) -> str:
    """The URI an MLflow client should use for the stored ``uri``."""
    relative = relative_to_destination(uri, destination)
    return uri if relative is None else PREFIX + relative


def to_server_uri(uri: str, destination: str) -> str:
    """The URI to store for a URI an MLflow client sent (e.g. an experiment's location).

    Raises:
        ArtifactPathError: An ``mlflow-artifacts:`` URI whose path leaves the destination.
    """
    if not uri.lower().startswith(f"{SCHEME}:"):
        return uri
    relative = validate_artifact_path(urlsplit(uri).path.lstrip("/"), field="artifact_location")
    return join_artifact_path(destination.rstrip("/"), relative)


def relative_to_destination(uri: str, destination: str) -> str | None:
    """The path of ``uri`` below the destination (``""`` for the root), or None if outside."""
    root = destination.rstrip("/")
    if uri.rstrip("/") == root:
        return ""
    if uri.startswith(root + "/"):
        return uri[len(root) + 1 :].strip("/")
    return None
