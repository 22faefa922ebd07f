"""The artifact repository interface: files under one root URI, per run.

Paths given to a repository are relative, ``/``-separated and confined to its root; every
implementation validates them with :func:`driftloop.artifacts.paths.validate_artifact_path`
before any I/O, so an unsafe path raises ``ArtifactPathError`` and touches nothing.
:class:`driftloop.testing.artifact_contract.ArtifactRepositoryContract` is the executable form
of this spec; run it over every implementation.
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
        """Copy one local file into the directory ``artifact_path`` (root when None).

        The copy keeps the file's name and replaces an existing artifact of that name.
        Raises ``InvalidParameterError`` if ``local_file`` is not an existing file.
        """

    @abc.abstractmethod
    def log_artifacts(self, local_dir: str | Path, artifact_path: str | None = None) -> None:
        """Copy a local directory's contents, recursively, into ``artifact_path``.

        Relative paths below ``local_dir`` are kept. Raises ``InvalidParameterError`` if
        ``local_dir`` is not an existing directory.
        """

    @abc.abstractmethod
    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Write ``data`` to the file ``artifact_file`` (a path relative to the root).

        An existing file is replaced; readers see the old or the new content, never a mix.
        """

    @abc.abstractmethod
    def read_bytes(self, artifact_file: str) -> bytes:
        """Return the content of one file.

        Raises ``ArtifactNotFoundError`` if no file is at ``artifact_file`` (a directory
        is not a file).
        """

    @abc.abstractmethod
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (root when None), sorted by path.

        Returned paths are relative to the root; files carry their size, directories have
        ``is_dir=True`` and no size. A missing directory, and a file, list as empty.
        """

    @abc.abstractmethod
    def download_artifacts(
        self, artifact_path: str = "", dst_path: str | Path | None = None
    ) -> Path:
        """Download a file or a directory tree; return the local path of the copy.

        The copy keeps the artifact's relative path, as MLflow does: downloading
        ``"model/w.bin"`` to ``dst`` writes and returns ``dst/model/w.bin``; downloading the
        root returns ``dst`` itself (an empty root downloads as an empty directory).
        ``dst_path`` is created if needed and defaults to a new temporary directory, which
        the caller owns. Raises ``ArtifactNotFoundError`` when nothing exists at a non-root
        ``artifact_path``.
        """

    @abc.abstractmethod
    def delete_artifacts(self, artifact_path: str = "") -> None:
        """Delete a file or a directory tree (the whole root when empty).

        Deleting what does not exist is a no-op. A directory ``"a"`` never takes a sibling
        ``"ab.txt"`` with it, whatever the backend's notion of prefixes.
        """
