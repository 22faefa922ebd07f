"""S3 repository behaviour that needs no server: URI parsing, configuration, failures."""

from __future__ import annotations

import re
import socket
import sys
import time

import pytest

from driftloop.artifacts.s3 import S3ArtifactRepository, S3Location, parse_s3_uri
from driftloop.errors import (
    ArtifactPathError,
    InvalidParameterError,
    MissingDependencyError,
    StoreUnavailableError,
    UnsupportedUriError,
)

_AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture(autouse=True)
def _clean_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket", S3Location("bucket", "")),
        ("s3://bucket/", S3Location("bucket", "")),
        ("s3://bucket/runs/1/artifacts/", S3Location("bucket", "runs/1/artifacts")),
        ("s3://my.bucket-1/a//b", S3Location("my.bucket-1", "a/b")),
        (
            "s3://bucket/p?endpoint_url=http://127.0.0.1:9000&region=eu-west-1",
            S3Location("bucket", "p", "http://127.0.0.1:9000", "eu-west-1"),
        ),
    ],
)
def test_parse_s3_uri(uri: str, expected: S3Location) -> None:
    assert parse_s3_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "error", "message"),
    [
        ("gs://bucket/p", UnsupportedUriError, "must start with 's3://'"),
        ("s3:///p", InvalidParameterError, "valid bucket"),
        ("s3://bu/cket?x", InvalidParameterError, "option 'x' is not supported"),
        ("s3://bucket/p#frag", InvalidParameterError, "fragment"),
        ("s3://bucket/../p", ArtifactPathError, "'..' segment"),
        ("s3://bucket/p%2F..%2F..", ArtifactPathError, "encoded '/'"),
        ("s3://bucket/p?foo=1", InvalidParameterError, "option 'foo' is not supported"),
    ],
)
def test_parse_s3_uri_refuses(uri: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        parse_s3_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://AKIAEXAMPLE:SuperSecret123@bucket/p",
        "s3://bucket/p?secret=SuperSecret123",
        "s3://bucket/p?aws_secret_access_key=SuperSecret123",
        "s3://bucket/p?key=AKIAEXAMPLE&secret=SuperSecret123",
    ],
)
def test_credentials_in_the_uri_are_refused_without_echoing_them(uri: str) -> None:
    with pytest.raises(InvalidParameterError, match="must not carry credentials") as caught:
        parse_s3_uri(uri)
    assert "SuperSecret123" not in str(caught.value)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://generic:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3-specific:2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    repo = S3ArtifactRepository("s3://bucket/p")
    assert repo.endpoint_url == "http://s3-specific:2"
    assert repo.region == "eu-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert S3ArtifactRepository("s3://bucket/p").region == "eu-west-3"


def test_uri_options_beat_the_environment_and_arguments_beat_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://env:1")
    monkeypatch.setenv("AWS_REGION", "env-region")
    uri = "s3://bucket/p?endpoint_url=http://uri:2&region=uri-region"
    from_uri = S3ArtifactRepository(uri)
    assert (from_uri.endpoint_url, from_uri.region) == ("http://uri:2", "uri-region")
    explicit = S3ArtifactRepository(uri, endpoint_url="http://arg:3", region="arg-region")
    assert (explicit.endpoint_url, explicit.region) == ("http://arg:3", "arg-region")


def test_key_without_secret_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="both an access key id and a secret"):
        S3ArtifactRepository("s3://bucket/p", key="only-the-key")


def test_missing_s3fs_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # makes ``import s3fs`` fail
    with pytest.raises(MissingDependencyError, match=re.escape("pip install 'driftloop[s3]'")):
        S3ArtifactRepository("s3://bucket/p")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda repo: repo.read_bytes("f.txt"), id="read_bytes"),
        pytest.param(lambda repo: repo.log_bytes(b"x", "f.txt"), id="log_bytes"),
        pytest.param(lambda repo: repo.list_artifacts(), id="list_artifacts"),
        pytest.param(lambda repo: repo.delete_artifacts(), id="delete_artifacts"),
    ],
)
def test_unreachable_endpoint_is_store_unavailable(
    call: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own setting; 5 by default
    port = _closed_port()
    repo = S3ArtifactRepository(
        "s3://bucket/p",
        endpoint_url=f"http://127.0.0.1:{port}",
        key="AKIAEXAMPLE",
        secret="SuperSecret123",
        region="us-east-1",
    )
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=re.escape(f"127.0.0.1:{port}")) as caught:
        call(repo)  # type: ignore[operator]
    assert time.monotonic() - started < 5
    assert caught.value.__cause__ is not None
    assert "SuperSecret123" not in caught.value.message
    assert "Could not connect" not in caught.value.message  # no driver text
    assert caught.value.http_status == 503
