"""The artifact repository interface: files under one root URI, per run.

Paths given to a repository are relative, ``/``-separated and confined to its root; every
implementation validates them with :func:`driftloop.artifacts.paths.validate_artifact_path`.
"""

from __future__ import annotations

import abc
from pathlib import Path

from driftloop.entities import FileInfo


class ArtifactRepository(abc.ABC):
    """Files stored under ``root_uri`` (a run's artifact root, usually)."""

    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri

    @abc.abstractmethod
    def log_artifact(self, local_file: str | Path, artifact_path: str | None = None) -> None:
        """Copy one local file into the directory ``artifact_path`` (root when None)."""

    @abc.abstractmethod
    def log_artifacts(self, local_dir: str | Path, artifact_path: str | None = None) -> None:
        """Copy a local directory's contents, recursively, into ``artifact_path``."""

    @abc.abstractmethod
    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Write ``data`` to the file ``artifact_file`` (a path relative to the root)."""

    @abc.abstractmethod
    def read_bytes(self, artifact_file: str) -> bytes:
        """Return the content of one file; raises ``ArtifactNotFoundError`` if absent."""

    @abc.abstractmethod
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (root when None), sorted by path.

        Returned paths are relative to the root; files carry their size. A missing
        directory lists as empty.
        """

    @abc.abstractmethod
    def download_artifacts(self, artifact_path: str = "", dst_path: str | Path | None = None) -> Path:
        """Download a file or a directory tree; return the local path of the copy.

        ``dst_path`` defaults to a new temporary directory. Raises ``ArtifactNotFoundError``
        when nothing exists at ``artifact_path``.
        """

    @abc.abstractmethod
    def delete_artifacts(self, artifact_path: str = "") -> None:
        """Delete a file or a directory tree (the whole root when empty)."""
