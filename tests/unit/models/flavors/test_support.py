from __future__ import annotations

from pathlib import Path

import pytest

from driftloop.errors import InvalidParameterError, MissingDependencyError, ModelFormatError
from driftloop.models.flavors._support import (
    check_option_keys,
    import_optional,
    resolve_model_file,
)


def test_missing_library_names_the_pip_install_line() -> None:
    message = (
        r"'driftloop-no-such-lib' is not installed; install it with: "
        r"pip install 'driftloop\[xgboost\]'"
    )
    with pytest.raises(MissingDependencyError, match=message) as info:
        import_optional("driftloop_no_such_lib", package="driftloop-no-such-lib", extra="xgboost")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert info.value.extra == "xgboost"


def test_installed_library_is_returned() -> None:
    assert import_optional("json", package="json", extra="none").dumps([]) == "[]"


def test_unknown_option_keys_are_named() -> None:
    with pytest.raises(InvalidParameterError, match=r"\['a', 'b'\]; this flavor accepts: c"):
        check_option_keys({"a": 1, "b": 2, "c": 3}, ["c"])


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("../secret", r"contains '\.\.'"),
        ("sub/../../secret", r"contains '\.\.'"),
        ("/etc/passwd", "is absolute"),
        ("C:\\Windows\\win.ini", "is absolute"),
        ("..\\secret", r"contains '\.\.'"),
        ("", "must be a relative file path"),
        (None, "must be a relative file path"),
        ("missing.bin", "does not exist"),
    ],
)
def test_model_file_must_stay_inside(tmp_path: Path, relative: object, message: str) -> None:
    with pytest.raises(ModelFormatError, match=message):
        resolve_model_file(tmp_path, relative, field="file")


def test_symlink_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"x")
    model = tmp_path / "model"
    model.mkdir()
    (model / "link.bin").symlink_to(outside)

    with pytest.raises(ModelFormatError, match="points outside the model directory"):
        resolve_model_file(model, "link.bin", field="file")


def test_file_inside_is_resolved(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "model.bin").write_bytes(b"x")

    assert resolve_model_file(tmp_path, "sub/model.bin", field="file") == (
        tmp_path.resolve() / "sub" / "model.bin"
    )
