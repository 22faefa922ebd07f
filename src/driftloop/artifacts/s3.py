"""Artifact repository on S3 or any S3-compatible store (MinIO, rclone, Ceph), over s3fs.

Needs the ``s3`` extra (``pip install 'driftloop[s3]'``); s3fs is imported when the first
repository is built, so importing this module is free.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    DriftloopError,
    InvalidParameterError,
    MissingDependencyError,
    StoreUnavailableError,
    UnsupportedUriError,
)

__all__ = ["S3ArtifactRepository", "S3Location", "parse_s3_uri"]

#: Options an ``s3://`` URI may carry in its query string. Credentials are not among them:
#: URIs end up in logs, run records and error messages.
URI_OPTIONS = frozenset({"endpoint_url", "region"})
DEFAULT_MAX_ATTEMPTS = 4
"""botocore attempts per S3 request (``standard`` retry mode) unless the AWS env vars say."""
_CREDENTIAL_WORDS = ("key", "secret", "token", "password")
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where an ``s3://`` URI points.

    Attributes:
        bucket: Bucket name.
        prefix: Key prefix of the repository root, without leading or trailing ``/``.
        endpoint_url: Endpoint from the URI's ``?endpoint_url=``, if any.
        region: Region from the URI's ``?region=``, if any.
    """

    bucket: str
    prefix: str
    endpoint_url: str | None = None
    region: str | None = None


def parse_s3_uri(uri: str) -> S3Location:
    """Parse ``s3://bucket/prefix?endpoint_url=...&region=...``.

    Raises:
        UnsupportedUriError: The scheme is not ``s3``.
        InvalidParameterError: No or a malformed bucket, credentials in the URI, an unknown
            query option, or an unsafe prefix. The message never repeats credentials.
    """
    parts = urlsplit(uri)
    if parts.scheme.lower() != "s3":
        raise UnsupportedUriError(
            f"S3 artifact URI must start with 's3://', not {parts.scheme!r}",
            field="artifact_uri",
        )
    if "@" in parts.netloc:
        raise InvalidParameterError(
            "S3 artifact URI must not carry credentials; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY instead",
            field="artifact_uri",
        )
    if not _BUCKET.match(parts.netloc):
        raise InvalidParameterError(
            f"S3 artifact URI {uri!r} does not name a valid bucket", field="artifact_uri"
        )
    if parts.fragment:
        raise InvalidParameterError(
            f"S3 artifact URI {uri!r} must not have a '#' fragment", field="artifact_uri"
        )
    options = _uri_options(parts.query)
    prefix = validate_artifact_path(parts.path.lstrip("/"), field="artifact_uri")
    return S3Location(
        bucket=parts.netloc,
        prefix=prefix,
        endpoint_url=options.get("endpoint_url"),
        region=options.get("region"),
    )


class S3ArtifactRepository(ArtifactRepository):
    """Artifacts stored as objects under ``s3://bucket/prefix``; directories are prefixes.

    Connection settings come, first found first, from the constructor arguments, the URI's
    query (``endpoint_url``, ``region``) and the standard AWS environment variables
    (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``,
    ``AWS_DEFAULT_REGION``); credentials given as arguments are never mixed with ones from
    the environment. Without any credentials botocore's own chain (profiles,
    instance roles) applies. Requests are retried in botocore's ``standard`` mode, 4 attempts
    (transient 5xx answers and refused connections; several seconds before
    ``StoreUnavailableError``) unless ``AWS_MAX_ATTEMPTS`` or ``AWS_RETRY_MODE`` say otherwise.

    Repositories with the same settings share one s3fs client (fsspec's instance cache,
    per process and thread), so building one per run opens no new connection pool and
    leaves nothing to close. The listings cache is off: other processes write here too.

    Missing keys raise ``ArtifactNotFoundError``; network failures, refused credentials and
    other driver errors raise ``StoreUnavailableError`` with the driver error chained, not
    quoted.

    Args:
        root_uri: ``s3://bucket/prefix``, optionally with ``?endpoint_url=...&region=...``.
        endpoint_url: S3 endpoint, e.g. ``http://127.0.0.1:9000`` for MinIO.
        key: Access key id.
        secret: Secret access key.
        token: Session token of temporary credentials.
        region: Region name.

    Raises:
        MissingDependencyError: s3fs is not installed.
    """

    def __init__(
        self,
        root_uri: str,
        *,
        endpoint_url: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        token: str | None = None,
        region: str | None = None,
    ) -> None:
        super().__init__(root_uri)
        location = parse_s3_uri(root_uri)
        self.bucket = location.bucket
        self.prefix = location.prefix
        self.endpoint_url = endpoint_url or location.endpoint_url or _env_endpoint()
        self.region = region or location.region or _env("AWS_REGION", "AWS_DEFAULT_REGION")
        if key is None and secret is None:  # never mix given and environment credentials
            key, secret = _env("AWS_ACCESS_KEY_ID"), _env("AWS_SECRET_ACCESS_KEY")
            token = token or _env("AWS_SESSION_TOKEN")
        if (key is None) != (secret is None):
            raise InvalidParameterError(
                "S3 credentials need both an access key id and a secret access key",
                field="artifact_uri",
            )
        self._base = join_artifact_path(self.bucket, self.prefix)
        self._fs = _filesystem(
            endpoint_url=self.endpoint_url,
            key=key,
            secret=secret,
            token=token,
            region=self.region,
        )

    def log_artifact(self, local_file: str | Path, artifact_path: str | None = None) -> None:
        """Upload one local file into the directory ``artifact_path`` (root when None)."""
        base = validate_artifact_path(artifact_path)
        source = existing_file(local_file)
        key = self._key(join_artifact_path(base, source.name))
        with self._translate(base, writing=True):
            self._fs.put_file(str(source), key)

    def log_artifacts(self, local_dir: str | Path, artifact_path: str | None = None) -> None:
        """Upload a local directory's contents, recursively, into ``artifact_path``."""
        base = validate_artifact_path(artifact_path)
        pairs = [
            (str(src), self._key(join_artifact_path(base, rel)))
            for src, rel in walk_files(local_dir)
        ]
        if not pairs:
            return
        # Lists on both sides: fsspec then neither globs nor guesses directory semantics.
        with self._translate(base, writing=True):
            self._fs.put([src for src, _ in pairs], [key for _, key in pairs])

    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Write ``data`` to the object ``artifact_file``; S3 replaces objects atomically."""
        rel = validate_artifact_file(artifact_file)
        with self._translate(rel, writing=True):
            self._fs.pipe_file(self._key(rel), data)

    def read_bytes(self, artifact_file: str) -> bytes:
        """Return the content of one object; raises ``ArtifactNotFoundError`` if absent."""
        rel = validate_artifact_file(artifact_file)
        with self._translate(rel):
            data: bytes = self._fs.cat_file(self._key(rel))
        return data

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (root when None), sorted by path.

        Directories are the common prefixes below ``path``. A missing prefix, and an
        object, list as empty.
        """
        rel = validate_artifact_path(path, field="path")
        key = self._key(rel)
        with self._translate(rel):
            try:
                entries = self._fs.ls(key, detail=True, refresh=True)
            except FileNotFoundError:
                return []
        infos = []
        for entry in entries:
            name = str(entry["name"]).rstrip("/")
            if name == key or not name.startswith(f"{key}/"):
                continue  # the object itself when ``path`` names one, or a folder marker
            child = self._relative(name)
            if entry["type"] == "directory":
                infos.append(FileInfo(path=child, is_dir=True))
            else:
                infos.append(FileInfo(path=child, is_dir=False, file_size=int(entry["size"])))
        return sorted(infos, key=lambda info: info.path)

    def download_artifacts(
        self, artifact_path: str = "", dst_path: str | Path | None = None
    ) -> Path:
        """Download an object or every object below a prefix to ``dst_path``.

        The copy keeps the artifact's relative path: downloading ``"model/w.bin"`` to ``dst``
        returns ``dst/model/w.bin``; downloading the root returns ``dst``. A key below the
        prefix that is not a safe relative path (written by another tool, e.g.
        ``prefix/../x``) raises ``ArtifactPathError`` before anything is written.
        """
        rel = validate_artifact_path(artifact_path)
        key = self._key(rel)
        with self._translate(rel):
            found = self._objects(key)
            if rel and not found:
                raise ArtifactNotFoundError(f"no artifact at {rel!r}", field="artifact_path")
            dst_root = Path(tempfile.mkdtemp()) if dst_path is None else Path(dst_path)
            target = dst_root.joinpath(*rel.split("/")) if rel else dst_root
            if found == [key]:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._fs.get_file(key, str(target))
                return target
            copies = [
                str(target.joinpath(*validate_artifact_path(name[len(key) + 1 :]).split("/")))
                for name in found
            ]
            target.mkdir(parents=True, exist_ok=True)
            if found:
                self._fs.get(found, copies)
        return target

    def delete_artifacts(self, artifact_path: str = "") -> None:
        """Delete an object or every object below a prefix; absent is a no-op.

        Objects are deleted by exact key, so deleting ``"a"`` leaves ``"ab.txt"`` alone and
        deleting the root of a bucket-level repository never deletes the bucket.
        """
        rel = validate_artifact_path(artifact_path)
        with self._translate(rel):
            found = self._objects(self._key(rel))
            for start in range(0, len(found), _DELETE_BATCH):
                batch = found[start : start + _DELETE_BATCH]
                objects = [{"Key": name.split("/", 1)[1]} for name in batch]
                response = self._fs.call_s3(
                    "delete_objects", Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
                )
                if response.get("Errors"):
                    raise StoreUnavailableError(
                        f"S3 artifact store {self._where()} failed to delete "
                        f"{len(response['Errors'])} objects below {rel!r}"
                    )

    def _key(self, rel: str) -> str:
        """The s3fs path (``bucket/key``) of a validated relative path."""
        return join_artifact_path(self._base, rel)

    def _relative(self, name: str) -> str:
        return name[len(self._base) + 1 :] if name != self._base else ""

    def _objects(self, key: str) -> list[str]:
        """The object at ``key``, or else every object below ``key/``, sorted."""
        found: list[str] = self._fs.find(key)
        return sorted(name for name in found if not name.endswith("/"))

    @contextmanager
    def _translate(self, rel: str, *, writing: bool = False) -> Iterator[None]:
        """Map s3fs and botocore errors to driftloop errors, chained, without driver text."""
        unavailable: tuple[type[BaseException], ...] = (OSError, *_driver_errors())
        try:
            yield
        except DriftloopError:
            raise
        except FileNotFoundError as exc:
            if writing:
                raise ArtifactNotFoundError(
                    f"S3 bucket {self.bucket!r} does not exist", field="artifact_uri"
                ) from exc
            raise ArtifactNotFoundError(f"no artifact at {rel!r}", field="artifact_path") from exc
        except PermissionError as exc:
            raise StoreUnavailableError(
                f"S3 artifact store {self._where()} denied access to bucket {self.bucket!r}; "
                "check the credentials"
            ) from exc
        except unavailable as exc:
            raise StoreUnavailableError(
                f"S3 artifact store {self._where()} cannot be reached or failed"
            ) from exc

    def _where(self) -> str:
        """The endpoint as scheme, host and port only (no credentials, path or query)."""
        if not self.endpoint_url:
            return "(AWS default endpoint)"
        parts = urlsplit(self.endpoint_url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"


def _uri_options(query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if any(word in name.lower() for word in _CREDENTIAL_WORDS):
            raise InvalidParameterError(
                f"S3 artifact URI must not carry credentials (option {name!r}); set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead",
                field="artifact_uri",
            )
        if name not in URI_OPTIONS:
            raise InvalidParameterError(
                f"S3 artifact URI option {name!r} is not supported; supported: "
                f"{', '.join(sorted(URI_OPTIONS))}",
                field="artifact_uri",
            )
        options[name] = value
    return options


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _env_endpoint() -> str | None:
    return _env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def _filesystem(
    *,
    endpoint_url: str | None,
    key: str | None,
    secret: str | None,
    token: str | None,
    region: str | None,
) -> Any:
    """An ``s3fs.S3FileSystem``, shared between repositories with the same settings."""
    try:
        s3fs = importlib.import_module("s3fs")
    except ImportError as exc:
        raise MissingDependencyError("s3fs", "s3") from exc
    client_kwargs = {"region_name": region} if region else {}
    config_kwargs: dict[str, Any] = {}
    if not {"AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"} & os.environ.keys():
        # botocore's "standard" mode also retries 500 InternalError and 503 SlowDown, which
        # S3 servers do answer now and then; s3fs itself retries only throttling errors.
        config_kwargs["retries"] = {"mode": "standard", "max_attempts": DEFAULT_MAX_ATTEMPTS}
    return s3fs.S3FileSystem(
        endpoint_url=endpoint_url,
        key=key,
        secret=secret,
        token=token,
        client_kwargs=client_kwargs,
        config_kwargs=config_kwargs,
        use_listings_cache=False,
    )


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The bases of botocore's errors; imported late, like s3fs, which depends on botocore."""
    exceptions = importlib.import_module("botocore.exceptions")
    return (exceptions.BotoCoreError, exceptions.ClientError)
