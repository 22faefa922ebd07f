from __future__ import annotations

import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from driftloop.artifacts.local import TEMP_PREFIX, LocalArtifactRepository, _write_atomically
from driftloop.entities import FileInfo
from driftloop.errors import ArtifactNotFoundError, ArtifactPathError, UnsupportedUriError


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.txt").write_bytes(b"secret")
    return directory


@pytest.fixture
def repo(tmp_path: Path, outside: Path) -> LocalArtifactRepository:
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to(outside, target_is_directory=True)
    (root / "escape-file").symlink_to(outside / "secret.txt")
    return LocalArtifactRepository(str(root))


def _snapshot(directory: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(directory).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(directory.rglob("*"))
    }


# -- symlink escapes ------------------------------------------------------------------------


def test_symlink_escape_is_refused_for_every_method(
    repo: LocalArtifactRepository, outside: Path, tmp_path: Path
) -> None:
    before = _snapshot(outside)
    source = tmp_path / "f.txt"
    source.write_bytes(b"evil")
    calls: list[Callable[[], object]] = [
        lambda: repo.read_bytes("escape/secret.txt"),
        lambda: repo.read_bytes("escape-file"),
        lambda: repo.log_bytes(b"evil", "escape/new.txt"),
        lambda: repo.log_bytes(b"evil", "escape-file"),
        lambda: repo.log_artifact(source, "escape"),
        lambda: repo.log_artifacts(tmp_path / "outside", "escape/copy"),
        lambda: repo.list_artifacts("escape"),
        lambda: repo.download_artifacts("escape", tmp_path / "dst"),
        lambda: repo.download_artifacts("escape-file", tmp_path / "dst"),
        lambda: repo.delete_artifacts("escape/secret.txt"),
        lambda: repo.delete_artifacts("escape"),
    ]
    for call in calls:
        with pytest.raises(ArtifactPathError, match="leads out of the artifact root"):
            call()
    assert _snapshot(outside) == before
    assert not (tmp_path / "dst").exists()


def test_escaping_symlinks_are_left_out_of_listings(repo: LocalArtifactRepository) -> None:
    repo.log_bytes(b"ok", "ok.txt")
    assert repo.list_artifacts() == [FileInfo("ok.txt", False, 2)]


def test_download_of_tree_holding_an_escaping_symlink_is_refused(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "root"
    (root / "dir").mkdir(parents=True)
    (root / "dir" / "fine.txt").write_bytes(b"fine")
    (root / "dir" / "leak").symlink_to(outside / "secret.txt")
    repo = LocalArtifactRepository(str(root))
    with pytest.raises(ArtifactPathError, match=re.escape("'dir/leak'")):
        repo.download_artifacts("dir", tmp_path / "dst")
    assert not (tmp_path / "dst" / "dir" / "leak").exists()


def test_symlink_within_the_root_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    repo = LocalArtifactRepository(str(root))
    repo.log_bytes(b"data", "real/file.txt")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert repo.read_bytes("alias/file.txt") == b"data"
    repo.delete_artifacts("alias")  # removes the link, not its target
    assert not (root / "alias").exists()
    assert repo.read_bytes("real/file.txt") == b"data"


def test_root_that_is_a_symlink_works(tmp_path: Path) -> None:
    real = tmp_path / "real-root"
    real.mkdir()
    (tmp_path / "link-root").symlink_to(real, target_is_directory=True)
    repo = LocalArtifactRepository(str(tmp_path / "link-root"))
    repo.log_bytes(b"x", "a/b.txt")
    assert (real / "a" / "b.txt").read_bytes() == b"x"
    assert repo.list_artifacts("a") == [FileInfo("a/b.txt", False, 1)]


# -- root URIs ------------------------------------------------------------------------------


def test_file_uri_and_plain_path_name_the_same_root(tmp_path: Path) -> None:
    root = tmp_path / "with space%41"
    by_uri = LocalArtifactRepository(root.as_uri())
    by_path = LocalArtifactRepository(str(root))
    assert by_uri.root == by_path.root == root
    assert by_uri.root_uri == root.as_uri()


def test_file_uri_on_localhost_is_accepted(tmp_path: Path) -> None:
    assert LocalArtifactRepository(f"file://localhost{tmp_path}").root == tmp_path


def test_file_uri_of_another_host_is_refused() -> None:
    with pytest.raises(UnsupportedUriError, match="'fileserver'"):
        LocalArtifactRepository("file://fileserver/share/artifacts")


def test_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert LocalArtifactRepository("mlruns/1").root == tmp_path / "mlruns" / "1"


def test_missing_root_reads_as_empty_and_is_created_on_write(tmp_path: Path) -> None:
    repo = LocalArtifactRepository(str(tmp_path / "not" / "yet"))
    assert repo.list_artifacts() == []
    with pytest.raises(ArtifactNotFoundError, match="'x'"):
        repo.read_bytes("x")
    repo.delete_artifacts()
    assert not (tmp_path / "not").exists()
    repo.log_bytes(b"x", "x")
    assert (tmp_path / "not" / "yet" / "x").read_bytes() == b"x"


# -- atomic writes ---------------------------------------------------------------------------


def test_writes_leave_no_temporary_files_and_are_world_readable(tmp_path: Path) -> None:
    repo = LocalArtifactRepository(str(tmp_path / "root"))
    repo.log_bytes(b"one", "d/f.txt")
    repo.log_bytes(b"two", "d/f.txt")
    assert [p.name for p in (tmp_path / "root" / "d").iterdir()] == ["f.txt"]
    mode = stat.S_IMODE((tmp_path / "root" / "d" / "f.txt").stat().st_mode)
    assert mode == 0o644


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")

    def fail_half_way(out: object) -> None:
        out.write(b"partial")  # type: ignore[attr-defined]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _write_atomically(target, fail_half_way)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_temporary_files_are_not_listed(tmp_path: Path) -> None:
    repo = LocalArtifactRepository(str(tmp_path))
    (tmp_path / f"{TEMP_PREFIX}abc").write_bytes(b"in flight")
    repo.log_bytes(b"x", "x.txt")
    assert repo.list_artifacts() == [FileInfo("x.txt", False, 1)]
