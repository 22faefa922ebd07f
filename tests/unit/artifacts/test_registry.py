from __future__ import annotations

import re
from pathlib import Path

import pytest

import driftloop.artifacts
from driftloop.artifacts import (
    SUPPORTED_SCHEMES,
    LocalArtifactRepository,
    S3ArtifactRepository,
    get_artifact_repository,
)
from driftloop.errors import UnsupportedUriError


def test_all_is_exactly_the_public_api() -> None:
    assert sorted(driftloop.artifacts.__all__) == sorted(
        [
            "SUPPORTED_SCHEMES",
            "ArtifactRepository",
            "LocalArtifactRepository",
            "S3ArtifactRepository",
            "get_artifact_repository",
            "join_artifact_path",
            "validate_artifact_file",
            "validate_artifact_path",
        ]
    )
    for name in driftloop.artifacts.__all__:
        assert getattr(driftloop.artifacts, name) is not None


def test_supported_schemes() -> None:
    assert SUPPORTED_SCHEMES == ("", "file", "s3", "mlflow-artifacts")


def test_plain_path_is_local(tmp_path: Path) -> None:
    repo = get_artifact_repository(str(tmp_path / "a"))
    assert isinstance(repo, LocalArtifactRepository)
    assert repo.root == tmp_path / "a"


def test_file_uri_is_local(tmp_path: Path) -> None:
    repo = get_artifact_repository((tmp_path / "a").as_uri())
    assert isinstance(repo, LocalArtifactRepository)
    assert repo.root == tmp_path / "a"


def test_windows_drive_is_a_local_path_not_a_scheme() -> None:
    assert isinstance(get_artifact_repository("C:\\artifacts\\1"), LocalArtifactRepository)


def test_s3_uri_is_s3() -> None:
    repo = get_artifact_repository("s3://bucket/runs/1/artifacts")
    assert isinstance(repo, S3ArtifactRepository)
    assert (repo.bucket, repo.prefix) == ("bucket", "runs/1/artifacts")


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [
        ("gs://bucket/x", "gs"),
        ("hdfs://namenode/x", "hdfs"),
        ("http://example.com/x", "http"),
        ("wasbs://container@account/x", "wasbs"),
        ("GS://bucket/x", "gs"),
    ],
)
def test_unsupported_scheme_is_named_with_the_supported_ones(uri: str, scheme: str) -> None:
    with pytest.raises(
        UnsupportedUriError, match=re.escape(f"scheme {scheme!r} is not supported")
    ) as caught:
        get_artifact_repository(uri)
    assert "'', 'file', 's3'" in caught.value.message
    assert caught.value.field == "artifact_uri"
