"""Where tracking data lives: the tracking URI, its resolution to stores, and the store cache.

A tracking URI is one of:

- a plain path or a ``file:`` URI: a directory holding ``driftloop.db`` (SQLite) and
  ``artifacts/``; created on first use;
- ``sqlite:///path/to.db``: that database, with artifacts in the folder ``artifacts`` beside
  the file (or ``$DRIFTLOOP_ARTIFACT_ROOT``);
- ``postgresql://...`` or ``postgresql+psycopg://...``: a PostgreSQL database, with artifacts
  under ``$DRIFTLOOP_ARTIFACT_ROOT`` (default ``./.driftloop/artifacts``);
- ``http(s)://host:port``: a driftloop server, reached through its native REST API
  (:mod:`driftloop.store.rest`); its artifacts go through the server's artifact proxy.

Without :func:`set_tracking_uri` or ``$DRIFTLOOP_TRACKING_URI`` the tracking URI is the folder
``.driftloop`` in the current working directory, made absolute the first time it is used.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from driftloop.errors import InvalidParameterError, UnsupportedUriError
from driftloop.store.base import (
    DeploymentStore,
    EventStore,
    ExperimentStore,
    LoggedModelStore,
    ModelVersionStore,
    MonitorStore,
    RegistryStore,
    RunStore,
)

TRACKING_URI_ENV = "DRIFTLOOP_TRACKING_URI"
ARTIFACT_ROOT_ENV = "DRIFTLOOP_ARTIFACT_ROOT"
DEFAULT_TRACKING_DIR = ".driftloop"
DATABASE_FILE = "driftloop.db"
ARTIFACTS_DIR = "artifacts"

HTTP_SCHEMES = frozenset({"http", "https"})

_state_lock = threading.Lock()


class TrackingStores(Protocol):
    """The stores behind one tracking URI (``SqlStores`` or ``RestStores``)."""

    @property
    def experiments(self) -> ExperimentStore:
        """The experiment store."""
        ...

    @property
    def runs(self) -> RunStore:
        """The run store."""
        ...

    @property
    def registry(self) -> RegistryStore:
        """The registered-model (and alias) store."""
        ...

    @property
    def model_versions(self) -> ModelVersionStore:
        """The model version store."""
        ...

    @property
    def events(self) -> EventStore:
        """The registry event log."""
        ...

    @property
    def logged_models(self) -> LoggedModelStore:
        """The logged model store (MLflow 3)."""
        ...

    @property
    def deployments(self) -> DeploymentStore:
        """The deployment store (serving targets of registered models)."""
        ...

    @property
    def monitoring(self) -> MonitorStore:
        """The monitoring store (runs over live traffic and their series)."""
        ...

    def close(self) -> None:
        """Close the connections; the stores must not be used afterwards."""
        ...


_explicit_uri: str | None = None
_default_uri: str | None = None


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A tracking URI resolved to a database URI and a default artifact root.

    Attributes:
        db_uri: SQLAlchemy URL of the tracking database.
        artifact_root: Where new experiments put their artifacts (a local path or a URI).
        local_dir: Directory to create before opening (the tracking folder, or the SQLite
            file's parent), or None.
    """

    db_uri: str
    artifact_root: str
    local_dir: Path | None = None


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Set the tracking URI for this process (it wins over ``$DRIFTLOOP_TRACKING_URI``).

    Relative paths are made absolute now, so a later ``os.chdir`` does not move the data.

    Args:
        uri: A directory path, a ``file:`` URI, ``sqlite:///...``, ``postgresql://...`` or
            a server's ``http(s)://host:port``.

    Raises:
        InvalidParameterError: ``uri`` is empty.
        UnsupportedUriError: The scheme is not served by this driftloop.
    """
    normalized = _normalize(uri, argument="uri")
    if _scheme(normalized) in HTTP_SCHEMES:
        _check_server_url(normalized)
    else:
        resolve_store_location(normalized)
    global _explicit_uri  # noqa: PLW0603 - the process-wide setting is the point
    with _state_lock:
        _explicit_uri = normalized


def get_tracking_uri() -> str:
    """Return the tracking URI in effect.

    Order: :func:`set_tracking_uri`, then ``$DRIFTLOOP_TRACKING_URI``, then the absolute path
    of ``./.driftloop`` (the current directory at the first call).
    """
    global _default_uri  # noqa: PLW0603 - resolved once, then stable for the process
    with _state_lock:
        if _explicit_uri is not None:
            return _explicit_uri
        from_env = os.environ.get(TRACKING_URI_ENV, "").strip()
        if from_env:
            return _normalize(from_env, argument=TRACKING_URI_ENV)
        if _default_uri is None:
            _default_uri = str(Path.cwd() / DEFAULT_TRACKING_DIR)
        return _default_uri


def resolve_store_location(tracking_uri: str) -> StoreLocation:
    """Map a tracking URI to the database and default artifact root behind it.

    Raises:
        UnsupportedUriError: ``http(s)://`` (a server, which has no database of its own to
            open: see :func:`get_stores`) or any other scheme driftloop does not serve.
    """
    uri = _normalize(tracking_uri, argument="tracking_uri")
    scheme = _scheme(uri)
    if scheme in HTTP_SCHEMES:
        raise UnsupportedUriError(
            f"tracking URI {uri!r} names a tracking server, not a database; a server's "
            "backend store must be a directory, sqlite:/// or postgresql:// URI",
            field="tracking_uri",
        )
    if scheme == "":
        return _folder_location(Path(uri))
    if scheme == "file":
        return _folder_location(_file_uri_path(uri))
    if scheme == "sqlite":
        return _sqlite_location(uri)
    if scheme in {"postgresql", "postgres", "postgresql+psycopg"}:
        db_uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
        return StoreLocation(db_uri=db_uri, artifact_root=_artifact_root_from_env())
    raise UnsupportedUriError(
        f"tracking URI {uri!r}: scheme {scheme!r} is not supported; use a directory, "
        "file:, sqlite:/// or postgresql:// URI",
        field="tracking_uri",
    )


def get_stores(tracking_uri: str | None = None) -> TrackingStores:
    """Return the (cached) stores behind ``tracking_uri`` (default: :func:`get_tracking_uri`).

    A database URI gives the SQL stores; an ``http(s)://`` URI the REST stores of that server.
    """
    uri = tracking_uri or get_tracking_uri()
    if _scheme(uri) in HTTP_SCHEMES:
        return _registry.get_rest(_check_server_url(uri.strip()))
    return _registry.get(resolve_store_location(uri))


def _check_server_url(uri: str) -> str:
    """The server's base URL (no trailing slash); refuses a URL without a host."""
    parts = urlsplit(uri)
    if not parts.hostname or parts.query or parts.fragment:
        raise UnsupportedUriError(
            f"tracking URI {uri!r}: a server URL is http(s)://host[:port][/prefix]",
            field="tracking_uri",
        )
    return uri.rstrip("/")


def _normalize(uri: str | os.PathLike[str], *, argument: str) -> str:
    if not isinstance(uri, str | os.PathLike):
        raise InvalidParameterError(
            f"{argument} must be a string or a path, got {type(uri).__name__}", field=argument
        )
    text = os.fspath(uri).strip()
    if not text:
        raise InvalidParameterError(f"{argument} must not be empty", field=argument)
    if _scheme(text) in {"postgresql", "postgres"}:
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if _scheme(text) == "":
        return str(Path(text).expanduser().absolute())
    return text


def _scheme(uri: str) -> str:
    scheme = urlsplit(uri).scheme.lower()
    # "C:\\data" parses with scheme "c": a drive letter is a path, not a scheme.
    return "" if len(scheme) == 1 else scheme


def _file_uri_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in {"", "localhost"}:
        raise UnsupportedUriError(
            f"tracking URI {uri!r}: file URIs must name a local path", field="tracking_uri"
        )
    return Path(unquote(parts.path)).expanduser().absolute()


def _folder_location(folder: Path) -> StoreLocation:
    folder = folder.absolute()
    return StoreLocation(
        db_uri=f"sqlite:///{folder / DATABASE_FILE}",
        artifact_root=str(folder / ARTIFACTS_DIR),
        local_dir=folder,
    )


def _sqlite_location(uri: str) -> StoreLocation:
    raw_path = uri.split("://", 1)[1]
    database = raw_path[1:] if raw_path.startswith("/") else raw_path
    database, question, query = database.partition("?")
    from_env = os.environ.get(ARTIFACT_ROOT_ENV, "").strip()
    if database in {"", ":memory:"}:
        return StoreLocation(db_uri=uri, artifact_root=from_env or _default_artifact_root())
    db_file = Path(database).expanduser().absolute()
    return StoreLocation(
        db_uri=f"sqlite:///{db_file}{question}{query}",
        artifact_root=from_env or str(db_file.parent / ARTIFACTS_DIR),
        local_dir=db_file.parent,
    )


def _artifact_root_from_env() -> str:
    return os.environ.get(ARTIFACT_ROOT_ENV, "").strip() or _default_artifact_root()


def _default_artifact_root() -> str:
    return str(Path.cwd().absolute() / DEFAULT_TRACKING_DIR / ARTIFACTS_DIR)


class _StoreRegistry:
    """Opened stores, one per (database URI, artifact root), shared by every client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: dict[tuple[str, str], TrackingStores] = {}

    def get_rest(self, base_url: str) -> TrackingStores:
        key = ("rest", base_url)
        with self._lock:
            stores = self._stores.get(key)
            if stores is None:
                from driftloop.store.rest import open_rest_stores

                stores = self._stores[key] = open_rest_stores(base_url)
            return stores

    def get(self, location: StoreLocation) -> TrackingStores:
        key = (location.db_uri, location.artifact_root)
        with self._lock:
            stores = self._stores.get(key)
            if stores is None:
                from driftloop.store.sql import open_sql_stores

                if location.local_dir is not None:
                    location.local_dir.mkdir(parents=True, exist_ok=True)
                stores = open_sql_stores(location.db_uri, location.artifact_root)
                self._stores[key] = stores
            return stores

    def dispose(self) -> None:
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for opened in stores:
            opened.close()


_registry = _StoreRegistry()


def _dispose_stores() -> None:
    """Close every cached store (their connection pools); later calls reopen them."""
    _registry.dispose()


def _reset_for_tests() -> None:
    """Forget the tracking URI and the default folder, and close every cached store."""
    global _explicit_uri, _default_uri  # noqa: PLW0603
    with _state_lock:
        _explicit_uri = None
        _default_uri = None
    _dispose_stores()
