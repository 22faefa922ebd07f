"""The application factory uvicorn's workers call (the config comes in the environment)."""

from __future__ import annotations

from starlette.applications import Starlette

from driftloop.serving.app import create_app
from driftloop.serving.config import ServeConfig


def app_from_environment() -> Starlette:
    """Build the scoring app from ``$DRIFTLOOP_SERVE_CONFIG`` (written by ``driftloop serve``)."""
    return create_app(ServeConfig.from_environment())
