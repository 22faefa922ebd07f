"""Contract suite for :class:`~driftloop.artifacts.base.ArtifactRepository`.

Bind it by subclassing in a test module (the subclass name must start with ``Test``) that
provides an ``artifact_repo`` fixture: a fresh, empty repository per test. The suite also
uses pytest's ``tmp_path`` for local source and destination files, and checks that no path
trick changes anything below ``tmp_path`` outside the repository; a file-system backend
therefore does best to keep its root at least two levels below ``tmp_path``
(``tmp_path / "sandbox" / "root"``), so that every escape this suite tries would land in a
directory it watches.
"""

# ruff: noqa: S101

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from driftloop.artifacts.base import ArtifactRepository
from driftloop.entities import FileInfo
from driftloop.errors import ArtifactNotFoundError, ArtifactPathError, InvalidParameterError

#: Paths every method must refuse with ``ArtifactPathError``, by test id. ``{tmp}`` is
#: replaced with the test's ``tmp_path``, so an absolute path that slipped through would
#: land where the suite can see it (and not in ``/etc``).
TRAVERSAL_PATHS = {
    "dotdot": "../x",
    "nested-dotdot": "a/../../x",
    "dot-dotdot": "a/./../../x",
    "absolute": "{tmp}/x",
    "double-slash": "/{tmp}/x",
    "backslash": "a\\..\\..\\b",
    "encoded-slash": "..%2Fx",
    "encoded-dots": "%2e%2e/x",
    "double-encoded": "%252e%252e%252fx",
    "fragment": "a#b",
    "query": "a?b",
    "nul": "a\x00b",
    "newline": "a\nb",
    "drive": "C:/x",
    "home": "~/x",
    "trailing-space-dotdot": "a/.. /x",
}

#: File names that are unusual but safe; every backend must store them as they are.
ODD_NAMES = (
    "with space.txt",
    "100%.txt",
    "a%20b.txt",
    "plus+sign.txt",
    "colon:time.txt",
    "semi;colon.txt",
    "quote'.txt",
    "x=1&y=2.txt",
    "data[1].csv",
    "star*.txt",
    "ünïcødé-日本.txt",
    "file.txt~",
    ".hidden",
)

_FIVE_MB = 5 * 2**20

_Call = Callable[[ArtifactRepository, str, Path], object]


def _source_file(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


def _source_tree(root: Path) -> dict[str, bytes]:
    """Write a small nested tree below ``root``; return its files by relative path."""
    files = {
        "top.txt": b"top",
        "empty.bin": b"",
        "sub/mid.txt": b"middle",
        "sub/deeper/leaf.bin": bytes(range(256)),
        "sub/deeper/more/end.txt": b"end",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _local_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _tree(repo: ArtifactRepository, path: str = "") -> dict[str, int | None]:
    """Every file below ``path`` with its size, through ``list_artifacts`` only."""
    files: dict[str, int | None] = {}
    for info in repo.list_artifacts(path):
        if info.is_dir:
            files.update(_tree(repo, info.path))
        else:
            files[info.path] = info.file_size
    return files


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every directory (None) and file (its bytes) below ``root``."""
    return {
        path.relative_to(root).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def _seed_sentinels(root: Path) -> None:
    """Put files named like the traversal targets in every directory below ``root``."""
    for directory in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        for name in ("x", "b"):
            sentinel = directory / name
            if not sentinel.exists():
                sentinel.write_bytes(b"sentinel")


def _temp_root(returned: Path, rel: str) -> Path:
    """The temporary directory that ``download_artifacts(rel)`` created around ``returned``."""
    depth = len(rel.split("/")) if rel else 0
    return returned.parents[depth - 1] if depth else returned


def _prepare_path_method_inputs(tmp: Path) -> None:
    """Create the local files that the :data:`PATH_METHODS` calls read or write into."""
    _source_file(tmp / "traversal-src", "f.txt", b"f")
    (tmp / "traversal-dst").mkdir()


#: Every method that takes a path, as ``call(repo, path, tmp_path)``; the local inputs come
#: from :func:`_prepare_path_method_inputs`.
PATH_METHODS: dict[str, _Call] = {
    "log_artifact": lambda repo, path, tmp: repo.log_artifact(tmp / "traversal-src/f.txt", path),
    "log_artifacts": lambda repo, path, tmp: repo.log_artifacts(tmp / "traversal-src", path),
    "log_bytes": lambda repo, path, _tmp: repo.log_bytes(b"evil", path),
    "read_bytes": lambda repo, path, _tmp: repo.read_bytes(path),
    "list_artifacts": lambda repo, path, _tmp: repo.list_artifacts(path),
    "download_artifacts": lambda repo, path, tmp: repo.download_artifacts(
        path, tmp / "traversal-dst"
    ),
    "delete_artifacts": lambda repo, path, _tmp: repo.delete_artifacts(path),
}


class ArtifactRepositoryContract:
    """Behaviour every :class:`ArtifactRepository` backend must show."""

    # -- log_artifact / log_artifacts -----------------------------------------------------

    def test_new_repository_is_empty(self, artifact_repo: ArtifactRepository) -> None:
        """A fresh repository lists nothing."""
        assert artifact_repo.list_artifacts() == []
        assert artifact_repo.list_artifacts(None) == []

    def test_log_artifact_to_root(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """A file logged without a path lands at the root under its own name."""
        source = _source_file(tmp_path / "src", "hello.txt", b"hello")
        artifact_repo.log_artifact(source)
        assert artifact_repo.list_artifacts() == [FileInfo("hello.txt", False, 5)]
        assert artifact_repo.read_bytes("hello.txt") == b"hello"

    def test_log_artifact_to_sub_dir(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """A file logged into ``a/b`` is listed there, and its parents are directories."""
        source = _source_file(tmp_path / "src", "model.bin", b"\x00\x01\x02")
        artifact_repo.log_artifact(str(source), "a/b")
        assert artifact_repo.list_artifacts() == [FileInfo("a", True)]
        assert artifact_repo.list_artifacts("a") == [FileInfo("a/b", True)]
        assert artifact_repo.list_artifacts("a/b") == [FileInfo("a/b/model.bin", False, 3)]
        assert artifact_repo.read_bytes("a/b/model.bin") == b"\x00\x01\x02"

    def test_log_artifact_of_missing_file_is_refused(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """Logging a local file that does not exist raises ``InvalidParameterError``."""
        with pytest.raises(InvalidParameterError, match="local file"):
            artifact_repo.log_artifact(tmp_path / "nope.txt")
        assert artifact_repo.list_artifacts() == []

    def test_log_artifacts_preserves_tree(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """A nested local directory is copied with its structure, at the root."""
        files = _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree")
        assert _tree(artifact_repo) == {rel: len(data) for rel, data in files.items()}
        for rel, data in files.items():
            assert artifact_repo.read_bytes(rel) == data

    def test_log_artifacts_into_sub_dir(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """``log_artifacts(dir, "x/y")`` puts the tree below ``x/y``."""
        files = _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(str(tmp_path / "tree"), "x/y")
        assert artifact_repo.list_artifacts() == [FileInfo("x", True)]
        assert _tree(artifact_repo) == {f"x/y/{rel}": len(data) for rel, data in files.items()}

    def test_log_artifacts_of_empty_dir_logs_nothing(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """An empty local directory adds no files."""
        (tmp_path / "empty").mkdir()
        artifact_repo.log_artifacts(tmp_path / "empty", "e")
        assert _tree(artifact_repo) == {}

    def test_log_artifacts_of_missing_dir_is_refused(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """Logging a local directory that does not exist raises ``InvalidParameterError``."""
        with pytest.raises(InvalidParameterError, match="local directory"):
            artifact_repo.log_artifacts(tmp_path / "nope")

    # -- log_bytes / read_bytes --------------------------------------------------------------

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"hello, world\n", id="text"),
            pytest.param(bytes(range(256)) * 4, id="binary"),
            pytest.param(b"", id="empty"),
            pytest.param(bytes(range(251)) * (_FIVE_MB // 251 + 1), id="5MB"),
        ],
    )
    def test_log_bytes_read_bytes_round_trip(
        self, artifact_repo: ArtifactRepository, data: bytes
    ) -> None:
        """Bytes come back exactly, and the listing reports their size."""
        artifact_repo.log_bytes(data, "dir/blob.bin")
        assert artifact_repo.read_bytes("dir/blob.bin") == data
        assert artifact_repo.list_artifacts("dir") == [FileInfo("dir/blob.bin", False, len(data))]

    def test_overwrite_replaces_content(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """Writing a file again replaces it, through either write method."""
        artifact_repo.log_bytes(b"first version, long", "f.txt")
        artifact_repo.log_bytes(b"second", "f.txt")
        assert artifact_repo.read_bytes("f.txt") == b"second"
        artifact_repo.log_artifact(_source_file(tmp_path / "src", "f.txt", b"third!!"))
        assert artifact_repo.read_bytes("f.txt") == b"third!!"
        assert artifact_repo.list_artifacts() == [FileInfo("f.txt", False, 7)]

    def test_paths_are_normalised(self, artifact_repo: ArtifactRepository) -> None:
        """Empty and ``.`` segments and a trailing ``/`` do not change the path."""
        artifact_repo.log_bytes(b"n", "n//o/./p.txt")
        assert artifact_repo.read_bytes("n/o/p.txt") == b"n"
        assert artifact_repo.read_bytes("./n/o//p.txt") == b"n"
        assert artifact_repo.list_artifacts("n/o/") == [FileInfo("n/o/p.txt", False, 1)]

    @pytest.mark.parametrize("name", ODD_NAMES)
    def test_odd_but_safe_names_round_trip(
        self, artifact_repo: ArtifactRepository, tmp_path: Path, name: str
    ) -> None:
        """Unusual names are stored, listed, downloaded and deleted exactly as given."""
        artifact_repo.log_bytes(b"odd", f"d/{name}")
        artifact_repo.log_bytes(b"neighbour", "d/neighbour.txt")
        assert artifact_repo.read_bytes(f"d/{name}") == b"odd"
        assert FileInfo(f"d/{name}", False, 3) in artifact_repo.list_artifacts("d")
        copy = artifact_repo.download_artifacts(f"d/{name}", tmp_path / "dst")
        assert copy.read_bytes() == b"odd"
        artifact_repo.delete_artifacts(f"d/{name}")
        assert _tree(artifact_repo) == {"d/neighbour.txt": 9}

    def test_read_missing_file(self, artifact_repo: ArtifactRepository) -> None:
        """Reading a file that does not exist raises ``ArtifactNotFoundError``."""
        artifact_repo.log_bytes(b"x", "present.txt")
        with pytest.raises(ArtifactNotFoundError, match="missing"):
            artifact_repo.read_bytes("missing.txt")
        with pytest.raises(ArtifactNotFoundError, match="missing"):
            artifact_repo.read_bytes("missing/deeper.txt")

    def test_read_directory_is_not_found(self, artifact_repo: ArtifactRepository) -> None:
        """A directory is not a file: reading it raises ``ArtifactNotFoundError``."""
        artifact_repo.log_bytes(b"x", "dir/file.txt")
        with pytest.raises(ArtifactNotFoundError, match="dir"):
            artifact_repo.read_bytes("dir")

    @pytest.mark.parametrize("root", ["", ".", "./"])
    def test_file_methods_refuse_the_root(
        self, artifact_repo: ArtifactRepository, root: str
    ) -> None:
        """``log_bytes`` and ``read_bytes`` need a file path, not the root."""
        with pytest.raises(ArtifactPathError, match="root"):
            artifact_repo.log_bytes(b"x", root)
        with pytest.raises(ArtifactPathError, match="root"):
            artifact_repo.read_bytes(root)

    # -- list_artifacts ----------------------------------------------------------------------

    def test_list_direct_children_sorted_with_sizes(
        self, artifact_repo: ArtifactRepository
    ) -> None:
        """Listing shows direct children only, sorted by path, sizes for files only."""
        artifact_repo.log_bytes(b"zz", "z.bin")
        artifact_repo.log_bytes(b"c", "b/c.txt")
        artifact_repo.log_bytes(b"eee", "b/d/e.txt")
        artifact_repo.log_bytes(b"", "a.txt")
        artifact_repo.log_bytes(b"1234", "b/a.txt")
        assert artifact_repo.list_artifacts() == [
            FileInfo("a.txt", False, 0),
            FileInfo("b", True, None),
            FileInfo("z.bin", False, 2),
        ]
        assert artifact_repo.list_artifacts("b") == [
            FileInfo("b/a.txt", False, 4),
            FileInfo("b/c.txt", False, 1),
            FileInfo("b/d", True, None),
        ]
        assert artifact_repo.list_artifacts("b/d") == [FileInfo("b/d/e.txt", False, 3)]

    def test_list_does_not_mix_prefix_siblings(self, artifact_repo: ArtifactRepository) -> None:
        """Listing ``a`` shows nothing of ``ab`` or ``a.txt``."""
        artifact_repo.log_bytes(b"1", "a/in.txt")
        artifact_repo.log_bytes(b"22", "ab/out.txt")
        artifact_repo.log_bytes(b"333", "a.txt")
        assert artifact_repo.list_artifacts("a") == [FileInfo("a/in.txt", False, 1)]

    def test_list_missing_dir_is_empty(self, artifact_repo: ArtifactRepository) -> None:
        """A directory that does not exist lists as empty, as does a file."""
        artifact_repo.log_bytes(b"x", "file.txt")
        assert artifact_repo.list_artifacts("missing") == []
        assert artifact_repo.list_artifacts("missing/deeper") == []
        assert artifact_repo.list_artifacts("file.txt") == []

    # -- download_artifacts ------------------------------------------------------------------

    def test_download_file_to_dst(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """A file is copied to ``dst/<its path>``, which is returned."""
        artifact_repo.log_bytes(b"weights", "model/w.bin")
        dst = tmp_path / "dst"
        copy = artifact_repo.download_artifacts("model/w.bin", dst)
        assert copy == dst / "model" / "w.bin"
        assert copy.read_bytes() == b"weights"
        assert _local_files(dst) == {"model/w.bin": b"weights"}

    def test_download_file_to_temp_dir(self, artifact_repo: ArtifactRepository) -> None:
        """Without ``dst_path`` a file is copied into a new temporary directory."""
        artifact_repo.log_bytes(b"weights", "model/w.bin")
        copy = artifact_repo.download_artifacts("model/w.bin")
        temp = _temp_root(copy, "model/w.bin")
        try:
            assert copy.read_bytes() == b"weights"
            assert temp.resolve().is_relative_to(Path(tempfile.gettempdir()).resolve())
            assert _local_files(temp) == {"model/w.bin": b"weights"}
        finally:
            shutil.rmtree(temp)

    def test_download_tree_to_dst(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """A directory is copied with its whole tree to ``dst/<its path>``."""
        files = _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree", "run/outputs")
        artifact_repo.log_bytes(b"other", "run/other.txt")
        dst = tmp_path / "dst"
        copy = artifact_repo.download_artifacts("run/outputs", str(dst))
        assert copy == dst / "run" / "outputs"
        assert _local_files(copy) == files
        assert _local_files(dst) == {f"run/outputs/{rel}": data for rel, data in files.items()}

    def test_download_tree_to_temp_dir(
        self, artifact_repo: ArtifactRepository, tmp_path: Path
    ) -> None:
        """Without ``dst_path`` a tree is copied into a new temporary directory."""
        files = _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree", "outputs")
        copy = artifact_repo.download_artifacts("outputs")
        temp = _temp_root(copy, "outputs")
        try:
            assert _local_files(copy) == files
        finally:
            shutil.rmtree(temp)

    def test_download_root(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """Downloading the root copies everything into ``dst`` itself."""
        files = _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree")
        dst = tmp_path / "dst"
        assert artifact_repo.download_artifacts("", dst) == dst
        assert _local_files(dst) == files

    def test_download_empty_root(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """The root of an empty repository downloads as an empty directory."""
        copy = artifact_repo.download_artifacts(dst_path=tmp_path / "dst")
        assert copy == tmp_path / "dst"
        assert copy.is_dir()
        assert _local_files(copy) == {}

    def test_download_missing(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """Downloading what does not exist raises ``ArtifactNotFoundError``, writes nothing."""
        artifact_repo.log_bytes(b"x", "present.txt")
        with pytest.raises(ArtifactNotFoundError, match="missing"):
            artifact_repo.download_artifacts("missing", tmp_path / "dst")
        with pytest.raises(ArtifactNotFoundError, match="missing"):
            artifact_repo.download_artifacts("missing/file.txt", tmp_path / "dst")
        assert not (tmp_path / "dst").exists() or _local_files(tmp_path / "dst") == {}

    # -- delete_artifacts --------------------------------------------------------------------

    def test_delete_file(self, artifact_repo: ArtifactRepository) -> None:
        """Deleting a file removes only that file."""
        artifact_repo.log_bytes(b"x", "a/x.txt")
        artifact_repo.log_bytes(b"yy", "a/y.txt")
        artifact_repo.delete_artifacts("a/x.txt")
        assert artifact_repo.list_artifacts("a") == [FileInfo("a/y.txt", False, 2)]
        with pytest.raises(ArtifactNotFoundError, match=r"x\.txt"):
            artifact_repo.read_bytes("a/x.txt")

    def test_delete_tree(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """Deleting a directory removes its whole tree and nothing else."""
        _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree", "gone")
        artifact_repo.log_bytes(b"keep", "keep.txt")
        artifact_repo.delete_artifacts("gone")
        assert _tree(artifact_repo) == {"keep.txt": 4}
        assert artifact_repo.list_artifacts("gone") == []

    def test_delete_leaves_prefix_siblings(self, artifact_repo: ArtifactRepository) -> None:
        """Deleting ``a`` leaves ``ab/...``, ``ab.txt`` and ``a.txt`` alone."""
        artifact_repo.log_bytes(b"1", "a/in.txt")
        artifact_repo.log_bytes(b"22", "ab/out.txt")
        artifact_repo.log_bytes(b"333", "ab.txt")
        artifact_repo.log_bytes(b"4444", "a.txt")
        artifact_repo.delete_artifacts("a")
        assert _tree(artifact_repo) == {"ab/out.txt": 2, "ab.txt": 3, "a.txt": 4}

    def test_delete_root(self, artifact_repo: ArtifactRepository, tmp_path: Path) -> None:
        """Deleting the root empties the repository, which stays usable."""
        _source_tree(tmp_path / "tree")
        artifact_repo.log_artifacts(tmp_path / "tree")
        artifact_repo.delete_artifacts()
        assert artifact_repo.list_artifacts() == []
        artifact_repo.log_bytes(b"again", "again.txt")
        assert artifact_repo.read_bytes("again.txt") == b"again"

    def test_delete_missing_is_a_no_op(self, artifact_repo: ArtifactRepository) -> None:
        """Deleting what does not exist does nothing and raises nothing."""
        artifact_repo.log_bytes(b"x", "present.txt")
        artifact_repo.delete_artifacts("missing")
        artifact_repo.delete_artifacts("missing/deeper.txt")
        assert _tree(artifact_repo) == {"present.txt": 1}

    # -- path safety -------------------------------------------------------------------------

    @pytest.mark.parametrize("method", list(PATH_METHODS))
    @pytest.mark.parametrize(
        "bad_path", [pytest.param(path, id=name) for name, path in TRAVERSAL_PATHS.items()]
    )
    def test_traversal_is_refused(
        self, artifact_repo: ArtifactRepository, tmp_path: Path, method: str, bad_path: str
    ) -> None:
        """Every unsafe path raises ``ArtifactPathError`` naming it, and changes nothing."""
        artifact_repo.log_bytes(b"seed", "a/seed.txt")
        artifact_repo.log_bytes(b"seed", "a/b/seed.txt")
        _prepare_path_method_inputs(tmp_path)
        _seed_sentinels(tmp_path)
        bad = bad_path.replace("{tmp}", tmp_path.as_posix())
        before_local = _snapshot(tmp_path)
        before_repo = _tree(artifact_repo)

        with pytest.raises(ArtifactPathError, match=re.escape(repr(bad))):
            PATH_METHODS[method](artifact_repo, bad, tmp_path)

        assert _snapshot(tmp_path) == before_local
        assert _tree(artifact_repo) == before_repo

    @pytest.mark.parametrize("method", ["read_bytes", "list_artifacts", "download_artifacts"])
    def test_reading_system_files_is_refused(
        self, artifact_repo: ArtifactRepository, tmp_path: Path, method: str
    ) -> None:
        """``/etc/passwd`` is refused by every method that only reads."""
        _prepare_path_method_inputs(tmp_path)
        with pytest.raises(ArtifactPathError, match=re.escape("'/etc/passwd'")):
            PATH_METHODS[method](artifact_repo, "/etc/passwd", tmp_path)
