"""Choose the artifact repository implementation for a URI by its scheme."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from driftloop.artifacts.base import ArtifactRepository
from driftloop.artifacts.local import LocalArtifactRepository
from driftloop.artifacts.s3 import S3ArtifactRepository
from driftloop.errors import UnsupportedUriError

__all__ = ["SUPPORTED_SCHEMES", "get_artifact_repository"]


def _proxied(uri: str, tracking_uri: str | None) -> ArtifactRepository:
    # Imported on use: the HTTP repository pulls in the REST client and its codec.
    from driftloop.artifacts.http import HttpArtifactRepository

    server = None
    if tracking_uri is not None and urlsplit(tracking_uri).scheme.lower() in {"http", "https"}:
        server = tracking_uri
    return HttpArtifactRepository(uri, base_url=server)


def _plain(factory: Callable[[str], ArtifactRepository]) -> _Factory:
    return lambda uri, _tracking_uri: factory(uri)


_Factory = Callable[[str, str | None], ArtifactRepository]
_FACTORIES: dict[str, _Factory] = {
    "": _plain(LocalArtifactRepository),
    "file": _plain(LocalArtifactRepository),
    "s3": _plain(S3ArtifactRepository),
    "mlflow-artifacts": _proxied,
}
#: URI schemes :func:`get_artifact_repository` serves; ``""`` is a plain local path.
SUPPORTED_SCHEMES = tuple(_FACTORIES)


def get_artifact_repository(uri: str, *, tracking_uri: str | None = None) -> ArtifactRepository:
    """Return the repository for ``uri`` by its scheme.

    A local path, ``file://...``, ``s3://...`` or ``mlflow-artifacts:/...`` (a tracking
    server's artifact proxy; the server is the one in the URI's host, else ``tracking_uri``
    when it is ``http(s)``, else the current tracking URI). A :class:`Client` passes its own
    tracking URI, so a client on a server reads that server's artifacts whatever the
    process-wide tracking URI is.

    Examples:
        >>> type(get_artifact_repository("/srv/artifacts/1/abc")).__name__
        'LocalArtifactRepository'

    Raises:
        UnsupportedUriError: The scheme is none of :data:`SUPPORTED_SCHEMES`; the message
            names the scheme and lists the supported ones.
    """
    scheme = urlsplit(uri).scheme.lower()
    if len(scheme) == 1:
        scheme = ""  # a Windows drive letter (C:\\...) is a local path, not a scheme
    factory = _FACTORIES.get(scheme)
    if factory is None:
        supported = ", ".join(repr(name) for name in SUPPORTED_SCHEMES)
        raise UnsupportedUriError(
            f"artifact URI scheme {scheme!r} is not supported; supported schemes: {supported} "
            "('' is a local path)",
            field="artifact_uri",
        )
    return factory(uri, tracking_uri)
