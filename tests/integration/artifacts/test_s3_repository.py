"""S3 behaviour beyond the contract, against a real ``rclone serve s3``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.contract.s3_server import S3Server, require_rclone, run_s3_server

from driftloop.artifacts import S3ArtifactRepository, get_artifact_repository
from driftloop.entities import FileInfo
from driftloop.errors import ArtifactNotFoundError, ArtifactPathError, StoreUnavailableError

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    rclone = require_rclone()
    with run_s3_server(rclone, tmp_path_factory.mktemp("s3-server")) as server:
        yield server


@pytest.fixture
def prefix() -> str:
    return f"{uuid.uuid4().hex}/artifacts"


def _repo(server: S3Server, uri: str, **overrides: str) -> S3ArtifactRepository:
    settings = {
        "endpoint_url": server.endpoint_url,
        "key": server.access_key,
        "secret": server.secret_key,
        "region": "us-east-1",
    }
    settings.update(overrides)
    return S3ArtifactRepository(uri, **settings)


def _raw_fs(server: S3Server) -> Any:
    """A plain s3fs client, standing for another tool writing to the same bucket."""
    import s3fs

    return s3fs.S3FileSystem(
        endpoint_url=server.endpoint_url,
        key=server.access_key,
        secret=server.secret_key,
        use_listings_cache=False,
    )


def test_configured_from_aws_environment_variables(
    s3_server: S3Server, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    repo = get_artifact_repository(f"s3://{s3_server.bucket}/{prefix}")
    repo.log_bytes(b"from env", "env.txt")
    assert repo.read_bytes("env.txt") == b"from env"


def test_endpoint_from_the_uri_query(
    s3_server: S3Server, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    uri = f"s3://{s3_server.bucket}/{prefix}?endpoint_url={s3_server.endpoint_url}&region=us-east-1"
    repo = get_artifact_repository(uri)
    repo.log_bytes(b"from uri", "uri.txt")
    assert repo.list_artifacts() == [FileInfo("uri.txt", False, 8)]


def test_wrong_secret_is_store_unavailable_without_the_secret(
    s3_server: S3Server, prefix: str
) -> None:
    repo = _repo(s3_server, f"s3://{s3_server.bucket}/{prefix}", secret="WrongSecret987")
    for call in (lambda: repo.read_bytes("x"), lambda: repo.log_bytes(b"x", "x")):
        with pytest.raises(StoreUnavailableError, match="denied access") as caught:
            call()
        assert "WrongSecret987" not in caught.value.message
        assert s3_server.secret_key not in caught.value.message
        assert isinstance(caught.value.__cause__, PermissionError)


def test_missing_bucket(s3_server: S3Server) -> None:
    repo = _repo(s3_server, "s3://no-such-bucket/p")
    with pytest.raises(ArtifactNotFoundError, match=r"'x\.txt'"):
        repo.read_bytes("x.txt")
    with pytest.raises(ArtifactNotFoundError, match="bucket 'no-such-bucket' does not exist"):
        repo.log_bytes(b"x", "x.txt")
    assert repo.list_artifacts() == []


def test_roots_sharing_a_string_prefix_stay_apart(s3_server: S3Server, prefix: str) -> None:
    run1 = _repo(s3_server, f"s3://{s3_server.bucket}/{prefix}/run1")
    run10 = _repo(s3_server, f"s3://{s3_server.bucket}/{prefix}/run10")
    run1.log_bytes(b"1", "f.txt")
    run10.log_bytes(b"10", "f.txt")
    assert run1.list_artifacts() == [FileInfo("f.txt", False, 1)]
    run1.delete_artifacts()
    assert run1.list_artifacts() == []
    assert run10.read_bytes("f.txt") == b"10"


def test_bucket_level_root_delete_keeps_the_bucket(s3_server: S3Server) -> None:
    bucket = f"b{uuid.uuid4().hex[:12]}"
    _raw_fs(s3_server).mkdir(bucket)
    repo = _repo(s3_server, f"s3://{bucket}")
    repo.log_bytes(b"a", "a/b.txt")
    repo.log_bytes(b"c", "c.txt")
    repo.delete_artifacts()
    assert repo.list_artifacts() == []
    repo.log_bytes(b"again", "again.txt")  # the bucket is still there
    assert repo.read_bytes("again.txt") == b"again"


@pytest.mark.parametrize("bad_name", ["bad#name.txt", "back\\slash.txt", "~home"])
def test_download_refuses_unsafe_keys_written_by_other_tools(
    s3_server: S3Server, prefix: str, tmp_path: Path, bad_name: str
) -> None:
    _raw_fs(s3_server).pipe_file(f"{s3_server.bucket}/{prefix}/dir/{bad_name}", b"evil")
    repo = _repo(s3_server, f"s3://{s3_server.bucket}/{prefix}")
    repo.log_bytes(b"fine", "dir/fine.txt")
    assert FileInfo(f"dir/{bad_name}", False, 4) in repo.list_artifacts("dir")
    with pytest.raises(ArtifactPathError, match=re.escape(repr(bad_name))):
        repo.download_artifacts("dir", tmp_path / "dst")
    assert not (tmp_path / "dst").exists()


def test_many_files_upload_and_delete_in_batches(
    s3_server: S3Server, prefix: str, tmp_path: Path
) -> None:
    source = tmp_path / "many"
    for index in range(120):
        path = source / f"d{index % 3}" / f"f{index:03}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(str(index).encode())
    repo = _repo(s3_server, f"s3://{s3_server.bucket}/{prefix}")
    repo.log_artifacts(source, "many")
    assert len(repo.list_artifacts("many/d0")) == 40
    copy = repo.download_artifacts("many", tmp_path / "dst")
    assert sorted(p.name for p in copy.rglob("*.txt")) == sorted(f"f{i:03}.txt" for i in range(120))
    repo.delete_artifacts("many")
    assert repo.list_artifacts() == []
