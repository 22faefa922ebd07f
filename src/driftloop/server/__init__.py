"""The driftloop server: native REST API, MLflow-compatible routes, artifact proxy, auth.

The application is built by :func:`driftloop.server.app.create_app`. This package file stays
light on purpose: the REST client (``driftloop.store.rest``) shares the wire format modules
(``responses``, ``api_v1.codec``) and must not load the server application to do so.
"""

from driftloop.server.config import ServerConfig

__all__ = ["ServerConfig"]
