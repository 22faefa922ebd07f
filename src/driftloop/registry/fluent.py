"""Module-level registry functions on the current tracking URI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.entities import ModelVersion


def register_model(
    model_uri: str,
    name: str,
    *,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ModelVersion:
    """Register the model at ``model_uri`` as a new version of ``name`` (created if needed).

    Example:
        >>> version = driftloop.register_model(info.model_uri, "churn")  # doctest: +SKIP
        >>> driftloop.Client().set_alias("churn", "champion", version.version)  # doctest: +SKIP
    """
    from driftloop.tracking.client import Client  # tracking imports registry: import on use

    return Client().register_model(model_uri, name, tags=tags, description=description)
