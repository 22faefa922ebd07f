from __future__ import annotations

import os
from pathlib import Path

import pytest

import driftloop
from driftloop.errors import InvalidParameterError, UnsupportedUriError
from driftloop.store.rest import RestStores
from driftloop.tracking.uri import get_stores, resolve_store_location


def test_default_is_dot_driftloop_in_cwd_made_absolute_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert driftloop.get_tracking_uri() == str(tmp_path / ".driftloop")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert driftloop.get_tracking_uri() == str(tmp_path / ".driftloop")


def test_env_wins_over_default_and_set_wins_over_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTLOOP_TRACKING_URI", "sqlite:///" + str(tmp_path / "env.db"))
    assert driftloop.get_tracking_uri().endswith("env.db")
    driftloop.set_tracking_uri(tmp_path / "explicit")
    assert driftloop.get_tracking_uri() == str(tmp_path / "explicit")


def test_relative_path_is_made_absolute_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    driftloop.set_tracking_uri("runs-here")
    assert driftloop.get_tracking_uri() == str(tmp_path / "runs-here")


def test_folder_holds_database_and_artifacts(tmp_path: Path) -> None:
    location = resolve_store_location(str(tmp_path / "t"))
    assert location.db_uri == f"sqlite:///{tmp_path / 't' / 'driftloop.db'}"
    assert location.artifact_root == str(tmp_path / "t" / "artifacts")
    assert location.local_dir == tmp_path / "t"


def test_file_uri_is_a_folder(tmp_path: Path) -> None:
    location = resolve_store_location((tmp_path / "t").as_uri())
    assert location.db_uri == f"sqlite:///{tmp_path / 't' / 'driftloop.db'}"


def test_sqlite_uri_puts_artifacts_beside_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    location = resolve_store_location("sqlite:///sub/track.db")
    assert location.db_uri == f"sqlite:///{tmp_path / 'sub' / 'track.db'}"
    assert location.artifact_root == str(tmp_path / "sub" / "artifacts")
    monkeypatch.setenv("DRIFTLOOP_ARTIFACT_ROOT", "s3://bucket/artifacts")
    assert resolve_store_location("sqlite:///sub/track.db").artifact_root == (
        "s3://bucket/artifacts"
    )


def test_postgresql_uri_gets_the_psycopg_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    location = resolve_store_location("postgresql://user@db.example/tracking")
    assert location.db_uri == "postgresql+psycopg://user@db.example/tracking"
    assert location.artifact_root == str(tmp_path / ".driftloop" / "artifacts")
    assert location.local_dir is None
    monkeypatch.setenv("DRIFTLOOP_ARTIFACT_ROOT", "s3://bucket/a")
    assert resolve_store_location("postgresql+psycopg://h/db").artifact_root == "s3://bucket/a"


def test_set_tracking_uri_rewrites_postgresql() -> None:
    driftloop.set_tracking_uri("postgresql://u@h/db")
    assert driftloop.get_tracking_uri() == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("uri", ["http://localhost:5000", "https://tracking.example/prefix"])
def test_http_uri_is_a_server_with_rest_stores(uri: str) -> None:
    driftloop.set_tracking_uri(uri)
    assert driftloop.get_tracking_uri() == uri
    stores = get_stores()
    assert isinstance(stores, RestStores)
    assert stores.client.base_url == uri
    assert get_stores(uri + "/") is stores


def test_http_uri_is_no_database_for_a_server_backend() -> None:
    with pytest.raises(UnsupportedUriError, match="names a tracking server, not a database"):
        resolve_store_location("http://localhost:5000")


@pytest.mark.parametrize("uri", ["http://", "https://host:5000/?x=1"])
def test_malformed_server_url_is_rejected(uri: str) -> None:
    with pytest.raises(UnsupportedUriError, match="a server URL is"):
        driftloop.set_tracking_uri(uri)


def test_unknown_scheme_is_rejected() -> None:
    with pytest.raises(UnsupportedUriError, match="scheme 'ftp' is not supported"):
        resolve_store_location("ftp://host/x")


def test_empty_uri_is_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="uri must not be empty"):
        driftloop.set_tracking_uri("  ")


def test_stores_are_cached_and_the_folder_created_on_first_use(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "tracking"
    assert not folder.exists()
    stores = get_stores(str(folder))
    assert folder.is_dir()
    assert get_stores(str(folder)) is stores
    assert os.path.exists(folder / "driftloop.db")  # noqa: PTH110
    assert stores.experiments.get_experiment("0").name == "Default"
