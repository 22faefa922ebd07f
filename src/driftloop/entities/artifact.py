"""Listing entry of an artifact store."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One entry of an artifact listing.

    Attributes:
        path: Path relative to the repository root, ``/``-separated.
        is_dir: True for a directory.
        file_size: Size in bytes; None for directories.
    """

    path: str
    is_dir: bool
    file_size: int | None = None
