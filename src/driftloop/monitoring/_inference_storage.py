"""Where the inference log lives: root URI → filesystem, the partition layout, atomic puts.

A root is a local path, a ``file://`` URI or ``s3://bucket/prefix?endpoint_url=...&region=...``
(parsed, and its s3fs client built, by :mod:`driftloop.artifacts.s3`, so one URI serves
artifacts and logs; credentials come from the standard AWS environment variables).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.fs as pafs  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from fsspec.implementations.local import LocalFileSystem

from driftloop.artifacts import s3
from driftloop.errors import InvalidParameterError, UnsupportedUriError

Kind = Literal["predictions", "feedback", "failures"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_READ_THREADS = 8


def validate_segment(value: str, field: str) -> str:
    """Check a deployment name or worker id is one safe path segment.

    Raises:
        InvalidParameterError: Empty, too long, or with characters other than letters,
            digits, ``.``, ``_`` and ``-`` (or starting with ``.``, ``_`` or ``-``).
    """
    if not isinstance(value, str) or not _SEGMENT.match(value):
        raise InvalidParameterError(
            f"{field} must be 1-128 letters, digits, '.', '_' or '-', starting with a letter "
            f"or digit; got {value!r}",
            field=field,
        )
    return value


def utc_date(timestamp_ms: int) -> str:
    """The UTC date ``YYYY-MM-DD`` of a Unix-ms timestamp."""
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, tz=dt.UTC).date().isoformat()


@dataclass(frozen=True, slots=True)
class LogStorage:
    """The filesystem and base path of one deployment's log.

    Attributes:
        fs: An fsspec filesystem (local, s3fs, or one the caller passed in).
        base: ``<root>/<deployment>`` in the filesystem's own path form.
    """

    fs: Any
    base: str

    @property
    def is_local(self) -> bool:
        """True for the plain local filesystem (atomic writes by rename, native reads)."""
        return type(self.fs) is LocalFileSystem

    def partition(self, kind: Kind, date: str) -> str:
        """The directory of one date partition."""
        return f"{self.base}/{kind}/date={date}"

    def put(self, path: str, data: bytes) -> None:
        """Write ``data`` atomically: one PUT on object stores, temp file + rename locally."""
        parent = path.rsplit("/", 1)[0]
        if self.is_local or getattr(self.fs, "protocol", None) in {"file", ("file", "local")}:
            self.fs.makedirs(parent, exist_ok=True)
            temp = f"{parent}/.{uuid.uuid4().hex}.tmp"
            try:
                self.fs.pipe_file(temp, data)
                self.fs.mv(temp, path)
            finally:
                if self.fs.exists(temp):
                    self.fs.rm(temp)
        else:
            self.fs.pipe_file(path, data)

    def dates(self, kind: Kind) -> list[str]:
        """The dates that have a partition, sorted ascending."""
        try:
            names = self.fs.ls(f"{self.base}/{kind}", detail=False)
        except FileNotFoundError:
            return []
        found = (_DATE_DIR.match(str(name).rstrip("/").rsplit("/", 1)[-1]) for name in names)
        return sorted(match.group(1) for match in found if match)

    def files(self, kind: Kind, dates: Iterable[str]) -> list[str]:
        """The Parquet files of the given partitions, oldest first (temporary files left out)."""
        paths: list[str] = []
        for date in dates:
            try:
                names = self.fs.ls(self.partition(kind, date), detail=False)
            except FileNotFoundError:
                continue
            paths.extend(
                str(name)
                for name in names
                if str(name).endswith(".parquet") and str(name).rsplit("/", 1)[-1][0] != "."
            )
        return sorted(paths, key=_file_order)

    def read(self, paths: list[str], columns: list[str] | None = None) -> list[pa.Table]:
        """Read files in parallel; ``columns`` projects (absent columns are simply missing)."""
        local = pafs.LocalFileSystem() if self.is_local else None

        def read_one(path: str) -> pa.Table:
            # Remote objects are fetched whole, in one GET: the files are small and ranged
            # GETs cost a round trip each (and some S3 servers send whole-object checksums
            # with ranged answers, which botocore then refuses).
            source = (
                local.open_input_file(path) if local else pa.BufferReader(self.fs.cat_file(path))
            )
            with source:
                parquet = pq.ParquetFile(source)
                if columns is None:
                    return parquet.read()
                present = [name for name in columns if name in parquet.schema_arrow.names]
                return parquet.read(columns=present)

        if len(paths) <= 1:
            return [read_one(path) for path in paths]
        with ThreadPoolExecutor(max_workers=min(_READ_THREADS, len(paths))) as pool:
            return list(pool.map(read_one, paths))


def _file_order(path: str) -> tuple[str, int, str]:
    """Files by date, then first timestamp (from ``<worker>-<first_ts_ms>-<seq>``), then name."""
    directory, _, name = path.rpartition("/")
    parts = name.removesuffix(".parquet").rsplit("-", 2)
    first_ms = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
    return directory, first_ms, name


def open_storage(root_uri: str, deployment: str, filesystem: Any = None) -> LogStorage:
    """The storage of one deployment's log under ``root_uri``.

    Args:
        root_uri: Local path, ``file://`` URI or ``s3://bucket/prefix[?endpoint_url=&region=]``.
        deployment: Deployment name (one safe path segment).
        filesystem: An fsspec filesystem to use instead of the one the URI implies; the URI
            is then a path in that filesystem (tests pass slow or failing filesystems here).

    Raises:
        InvalidParameterError: A bad deployment name or S3 URI.
        UnsupportedUriError: A scheme other than a path, ``file`` or ``s3``.
        MissingDependencyError: ``s3://`` without s3fs installed.
    """
    validate_segment(deployment, "deployment")
    if filesystem is not None:
        return LogStorage(filesystem, f"{root_uri.rstrip('/')}/{deployment}")
    parts = urlsplit(root_uri)
    scheme = parts.scheme.lower()
    if scheme == "s3":
        # The artifact repository parses the URI and builds the shared s3fs client from the
        # same settings (URI options, then AWS_* variables) as for artifacts.
        repository = s3.S3ArtifactRepository(root_uri)
        fs = repository._fs
        root = f"{repository.bucket}/{repository.prefix}".rstrip("/")
        return LogStorage(fs, f"{root}/{deployment}")
    if scheme == "file":
        local = Path(unquote(parts.path))
    elif scheme == "" or (len(scheme) == 1 and Path(root_uri).drive):
        local = Path(root_uri)
    else:
        raise UnsupportedUriError(
            f"inference log root must be a path, file:// or s3:// URI, not {scheme!r}",
            field="root_uri",
        )
    base = local.expanduser().resolve().as_posix()
    return LogStorage(LocalFileSystem(), f"{base}/{deployment}")
