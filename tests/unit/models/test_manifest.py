import json
from pathlib import Path

import pytest

from driftloop._version import __version__
from driftloop.errors import FormatVersionWarning, ModelFormatError
from driftloop.models.manifest import (
    MANIFEST_FILE,
    ModelManifest,
    digest_files,
    file_digest,
    read_manifest,
    verify_files,
    write_manifest,
)


def _model_dir(tmp_path: Path) -> tuple[Path, ModelManifest]:
    (tmp_path / "model").mkdir(parents=True)
    (tmp_path / "model" / "weights.bin").write_bytes(b"\x00\x01weights")
    (tmp_path / "signature.json").write_text("{}")
    manifest = ModelManifest(
        flavor="sklearn",
        flavor_options={"file": "model.skops"},
        model_uuid="u1",
        created_at="2026-11-27T10:00:00.000Z",
        python_version="3.11.7",
        files=digest_files(tmp_path),
        run_id="r1",
        artifact_path="model",
    )
    write_manifest(tmp_path, manifest)
    return tmp_path, manifest


def test_round_trip_is_version_stamped(tmp_path: Path) -> None:
    directory, manifest = _model_dir(tmp_path)
    data = json.loads((directory / MANIFEST_FILE).read_text())
    assert data["format_version"] == 1
    assert data["driftloop_version"] == __version__
    assert data["loader"] == "driftloop.models.flavors.sklearn"
    assert set(data["files"]) == {"model/weights.bin", "signature.json"}
    assert read_manifest(directory) == manifest
    verify_files(directory, manifest)


def test_digests_exclude_only_the_root_manifest(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / MANIFEST_FILE).write_text("nested files of that name count")
    (tmp_path / MANIFEST_FILE).write_text("{}")
    assert list(digest_files(tmp_path)) == [f"sub/{MANIFEST_FILE}"]


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    directory, manifest = _model_dir(tmp_path)
    (directory / "model" / "weights.bin").write_bytes(b"\x00\x01evil")
    with pytest.raises(ModelFormatError, match=r"'model/weights.bin' does not match its digest"):
        verify_files(directory, manifest)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    directory, manifest = _model_dir(tmp_path)
    (directory / "signature.json").unlink()
    with pytest.raises(ModelFormatError, match=r"'signature.json' is missing"):
        verify_files(directory, manifest)


@pytest.mark.parametrize("path", ["../outside.bin", "/etc/passwd"])
def test_paths_outside_the_directory_are_refused(tmp_path: Path, path: str) -> None:
    directory, manifest = _model_dir(tmp_path / "m")
    evil = ModelManifest(
        **{**_as_kwargs(manifest), "files": {path: file_digest(directory / "signature.json")}}
    )
    with pytest.raises(ModelFormatError, match="outside the model directory"):
        verify_files(directory, evil)


def test_missing_manifest_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="is not a driftloop model directory") as raised:
        read_manifest(tmp_path)
    assert raised.value.field == "model_uri"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"format_version": "1"}', "'format_version' must be a int"),
        ('{"format_version": 1, "files": {}}', "'flavor' must be a str"),
        ('{"format_version": 1, "files": {"a": 3}}', "must map paths to digests"),
    ],
)
def test_malformed_manifest_names_the_field(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / MANIFEST_FILE).write_text(content)
    with pytest.raises(ModelFormatError, match=message):
        read_manifest(tmp_path)


def test_other_format_version_warns(tmp_path: Path) -> None:
    directory, manifest = _model_dir(tmp_path)
    data = manifest.to_dict()
    data["format_version"] = 2
    (directory / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.warns(FormatVersionWarning, match="model format version 2 differs"):
        assert read_manifest(directory).format_version == 2


def _as_kwargs(manifest: ModelManifest) -> dict[str, object]:
    return {name: getattr(manifest, name) for name in ModelManifest.__dataclass_fields__}
