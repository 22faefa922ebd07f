"""Artifact repository on the local file system (``file://`` URIs and plain paths)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.request import url2pathname

from driftloop.artifacts._sources import existing_file, walk_files
from driftloop.artifacts.base import ArtifactRepository
from driftloop.artifacts.paths import (
    join_artifact_path,
    validate_artifact_file,
    validate_artifact_path,
)
from driftloop.entities import FileInfo
from driftloop.errors import (
    ArtifactNotFoundError,
    ArtifactPathError,
    InvalidParameterError,
    UnsupportedUriError,
)

__all__ = ["LocalArtifactRepository"]

#: Prefix of the temporary files of writes in progress; listings leave them out.
TEMP_PREFIX = ".driftloop-tmp-"
# mkstemp creates files 0o600; artifacts are meant to be readable by the tracking server.
_FILE_MODE = 0o644

_Writer = Callable[[BinaryIO], object]


class LocalArtifactRepository(ArtifactRepository):
    """Artifacts stored as files below a local directory.

    Directories are created on first write. Files are written to a temporary name in their
    target directory and renamed into place, so a reader never sees a partial file. Every
    path is validated, then resolved with symlinks followed and refused if its real path is
    outside the root's real path, so a symlink inside the root cannot lead out of it.

    Args:
        root_uri: A ``file://`` URI (``file:///srv/artifacts``) or a plain path; a relative
            path is made absolute against the current directory.
    """

    def __init__(self, root_uri: str) -> None:
        super().__init__(root_uri)
        self.root = _root_path(root_uri)

    def log_artifact(self, local_file: str | Path, artifact_path: str | None = None) -> None:
        """Copy one local file into the directory ``artifact_path`` (root when None)."""
        base = validate_artifact_path(artifact_path)
        source = existing_file(local_file)
        self._copy_in(source, join_artifact_path(base, source.name))

    def log_artifacts(self, local_dir: str | Path, artifact_path: str | None = None) -> None:
        """Copy a local directory's contents, recursively, into ``artifact_path``."""
        base = validate_artifact_path(artifact_path)
        for source, rel in walk_files(local_dir):
            self._copy_in(source, join_artifact_path(base, rel))

    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Write ``data`` to the file ``artifact_file``, replacing it atomically."""
        target = self._resolve(validate_artifact_file(artifact_file))
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, lambda out: out.write(data))

    def read_bytes(self, artifact_file: str) -> bytes:
        """Return the content of one file; raises ``ArtifactNotFoundError`` if absent."""
        rel = validate_artifact_file(artifact_file)
        target = self._resolve(rel)
        if not target.is_file():
            raise ArtifactNotFoundError(f"no artifact file at {rel!r}", field="artifact_file")
        return target.read_bytes()

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (root when None), sorted by path.

        A missing directory, and a file, list as empty. Symlinks leading out of the root and
        temporary files of writes in progress are left out.
        """
        rel = validate_artifact_path(path, field="path")
        directory = self._resolve(rel)
        if not directory.is_dir():
            return []
        infos = []
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(TEMP_PREFIX) or not self._is_inside(Path(entry.path)):
                    continue
                child = join_artifact_path(rel, entry.name)
                if entry.is_dir():
                    infos.append(FileInfo(path=child, is_dir=True))
                else:
                    size = entry.stat().st_size
                    infos.append(FileInfo(path=child, is_dir=False, file_size=size))
        return sorted(infos, key=lambda info: info.path)

    def download_artifacts(
        self, artifact_path: str = "", dst_path: str | Path | None = None
    ) -> Path:
        """Copy a file or a directory tree to ``dst_path`` (a new temporary directory if None).

        The copy keeps the artifact's relative path: downloading ``"model/w.bin"`` to ``dst``
        returns ``dst/model/w.bin``; downloading the root returns ``dst``.
        """
        rel = validate_artifact_path(artifact_path)
        source = self._resolve(rel)
        if rel and not source.exists():
            raise ArtifactNotFoundError(f"no artifact at {rel!r}", field="artifact_path")
        dst_root = Path(tempfile.mkdtemp()) if dst_path is None else Path(dst_path)
        target = dst_root.joinpath(*rel.split("/")) if rel else dst_root
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            return target
        target.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            for file, file_rel in walk_files(source):
                self._check_inside(file, join_artifact_path(rel, file_rel))
                copy = target.joinpath(*file_rel.split("/"))
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, copy)
        return target

    def delete_artifacts(self, artifact_path: str = "") -> None:
        """Delete a file or a directory tree (the whole root when empty); absent is a no-op."""
        rel = validate_artifact_path(artifact_path)
        self._resolve(rel)
        target = self._path(rel)  # a symlink inside the root is removed, not what it points to
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()

    def file_path(self, artifact_file: str) -> Path:
        """The real path of an existing artifact file, to serve it straight from disk.

        Raises:
            ArtifactPathError: ``artifact_file`` is not a valid relative path, or leads out of
                the artifact root through a symlink.
            ArtifactNotFoundError: No file there (missing, or a directory).
        """
        target = self._resolve(validate_artifact_path(artifact_file, field="path"))
        if not target.is_file():
            raise ArtifactNotFoundError(f"no artifact file at {artifact_file!r}", field="path")
        return target

    def _path(self, rel: str) -> Path:
        return self.root.joinpath(*rel.split("/")) if rel else self.root

    def _resolve(self, rel: str) -> Path:
        """The real path of a validated relative path; refuses symlink escapes."""
        return self._check_inside(self._path(rel), rel)

    def _check_inside(self, candidate: Path, rel: str) -> Path:
        real = candidate.resolve()
        if not self._is_inside(real):
            raise ArtifactPathError(
                f"artifact path {rel!r} leads out of the artifact root through a symlink",
                field="artifact_path",
            )
        return real

    def _is_inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root.resolve())

    def _copy_in(self, source: Path, rel: str) -> None:
        target = self._resolve(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as src:
            _write_atomically(target, lambda out: shutil.copyfileobj(src, out))


def _root_path(root_uri: str) -> Path:
    """Turn a ``file://`` URI or a plain path into an absolute path."""
    if not root_uri.startswith("file:"):
        return Path(root_uri).expanduser().absolute()
    parts = urlsplit(root_uri)
    if parts.netloc not in {"", "localhost"}:
        raise UnsupportedUriError(
            f"file URI host {parts.netloc!r} is not supported; use file:///absolute/path",
            field="artifact_uri",
        )
    if parts.query or parts.fragment:
        raise InvalidParameterError(
            "a file artifact URI takes no query or fragment", field="artifact_uri"
        )
    return Path(url2pathname(parts.path)).absolute()


def _write_atomically(target: Path, write: _Writer) -> None:
    """Write through ``write`` to a temporary file next to ``target``, then rename it over."""
    fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        temp.chmod(_FILE_MODE)
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
