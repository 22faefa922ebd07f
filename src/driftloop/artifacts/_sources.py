"""Local source files of uploads, shared by the repository implementations."""

from __future__ import annotations

import os
from pathlib import Path

from driftloop.errors import InvalidParameterError


def existing_file(local_file: str | Path) -> Path:
    """Return ``local_file`` as a path; raise ``InvalidParameterError`` if it is no file."""
    source = Path(local_file)
    if not source.is_file():
        raise InvalidParameterError(
            f"local file {str(source)!r} does not exist or is not a file", field="local_file"
        )
    return source


def walk_files(local_dir: str | Path) -> list[tuple[Path, str]]:
    """Every file below ``local_dir`` with its ``/``-separated path relative to it, sorted.

    Symlinked directories are not descended into (``os.walk`` semantics); symlinked files
    are included.

    Raises:
        InvalidParameterError: ``local_dir`` is not an existing directory.
    """
    root = Path(local_dir)
    if not root.is_dir():
        raise InvalidParameterError(
            f"local directory {str(root)!r} does not exist or is not a directory",
            field="local_dir",
        )
    files = [Path(dirpath, name) for dirpath, _dirs, names in os.walk(root) for name in names]
    return sorted(((file, file.relative_to(root).as_posix()) for file in files), key=_second)


def _second(item: tuple[Path, str]) -> str:
    return item[1]
