"""The driftloop server: native REST API, MLflow-compatible routes, artifact proxy, auth."""

from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
