from __future__ import annotations

import ntpath
import posixpath
import re
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from driftloop.artifacts.paths import (
    MAX_DECODE_ROUNDS,
    join_artifact_path,
    validate_artifact_file,
    validate_artifact_path,
)
from driftloop.errors import ArtifactPathError, InvalidParameterError


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, ""),
        ("", ""),
        (".", ""),
        ("./", ""),
        ("a", "a"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("a//b/./c/", "a/b/c"),
        ("./a", "a"),
        ("model.pkl", "model.pkl"),
        ("..a/b..", "..a/b.."),
        (".hidden/x", ".hidden/x"),
        ("file.txt~", "file.txt~"),
        ("a/b~c", "a/b~c"),
        ("100%.txt", "100%.txt"),
        ("a%20b.txt", "a%20b.txt"),
        ("%2e", "%2e"),  # decodes to ".", which stays inside
        ("time:12:00", "time:12:00"),
        ("ab:c/d", "ab:c/d"),
        ("data[1]*.csv", "data[1]*.csv"),
        ("ünïcødé/日本.txt", "ünïcødé/日本.txt"),
    ],
)
def test_accepted_paths_are_normalised(path: str | None, expected: str) -> None:
    assert validate_artifact_path(path) == expected


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("..", "'..' segment"),
        ("../x", "'..' segment"),
        ("a/../../x", "'..' segment"),
        ("a/..", "'..' segment"),
        ("a/b/../c", "'..' segment"),
        ("/etc/passwd", "absolute"),
        ("/", "absolute"),
        ("//server/share", "absolute"),
        ("C:/x", "drive letter"),
        ("C:\\x", "contains"),
        ("c:", "drive letter"),
        ("a\\..\\b", "contains '\\\\\\\\'"),
        ("a\\b", "contains '\\\\\\\\'"),
        ("a#b", "contains '#'"),
        ("a?b", "contains '\\?'"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\tb", "control character"),
        ("a\x7fb", "control character"),
        ("a\x85b", "control character"),
        ("a\udcffb", "control character"),
        ("~/x", "starts with '~'"),
        ("~root", "starts with '~'"),
        ("...", "dots and spaces"),
        ("a/.. /b", "dots and spaces"),
        ("a/ /b", "dots and spaces"),
        ("..%2Fx", "encoded '/'"),
        ("a%2fb", "encoded '/'"),
        ("%2F", "encoded '/'"),
        ("%2e%2e/x", "'..' segment"),
        ("%2E%2E/x", "'..' segment"),
        ("a/%2e%2e", "'..' segment"),
        ("%2e%2e%2fx", "encoded '/'"),
        ("%252e%252e%252fx", "encoded '/'"),
        ("%252e%252e/x", "'..' segment"),
        ("%25252e%25252e/x", "'..' segment"),
        ("%2fetc", "encoded '/'"),
        ("a%23b", "contains '#'"),
        ("a%00b", "control character"),
        ("%5c..%5cx", "contains '\\\\\\\\'"),
        ("%7e/x", "starts with '~'"),
        ("\uff0e\uff0e/x", "'..' segment"),  # fullwidth full stops: NFKC gives '..'
        ("a\uff0fb", "encoded '/'"),  # fullwidth solidus: NFKC gives '/'
        ("%25252525252e", "too many times"),
    ],
)
def test_unsafe_paths_are_refused(path: str, reason: str) -> None:
    with pytest.raises(ArtifactPathError, match=re.escape(repr(path))) as caught:
        validate_artifact_path(path)
    assert re.search(reason, caught.value.message), caught.value.message
    assert caught.value.field == "artifact_path"


def test_error_is_a_400_invalid_parameter_naming_the_field() -> None:
    with pytest.raises(ArtifactPathError, match="absolute") as caught:
        validate_artifact_path("/x", field="path")
    assert isinstance(caught.value, InvalidParameterError)
    assert caught.value.http_status == 400
    assert caught.value.to_dict() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": caught.value.message,
        "field": "path",
    }


def test_non_string_is_refused() -> None:
    with pytest.raises(ArtifactPathError, match="must be a string, not bytes"):
        validate_artifact_path(b"a/b")  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["", ".", "./", "a/.."])
def test_validate_artifact_file_refuses_root(path: str) -> None:
    with pytest.raises(ArtifactPathError, match=r"artifact (file|path)") as caught:
        validate_artifact_file(path)
    assert caught.value.field == "artifact_file"


def test_validate_artifact_file_normalises() -> None:
    assert validate_artifact_file("a//b/./c.txt") == "a/b/c.txt"


@pytest.mark.parametrize(
    ("root", "relative", "expected"),
    [
        ("s3://bucket/prefix", "a/b", "s3://bucket/prefix/a/b"),
        ("s3://bucket/prefix/", "a//b", "s3://bucket/prefix/a/b"),
        ("bucket", None, "bucket"),
        ("bucket", "", "bucket"),
        ("", "a", "a"),
        ("/srv/root", "./x", "/srv/root/x"),
    ],
)
def test_join_artifact_path(root: str, relative: str | None, expected: str) -> None:
    assert join_artifact_path(root, relative) == expected


def test_join_artifact_path_validates() -> None:
    with pytest.raises(ArtifactPathError, match=re.escape("'../x'")):
        join_artifact_path("s3://bucket/prefix", "../x")


# -- property: whatever is accepted stays below any root, however a layer reads it ----------

_SEGMENTS = st.sampled_from(
    [
        "a",
        "b.txt",
        "..",
        ".",
        "",
        "...",
        ". .",
        "~",
        "C:",
        "%2e",
        "%2E%2e",
        "%2f",
        "%25",
        "%252e",
        "%5c",
        "\\",
        "#",
        "?",
        "\x00",
        "\uff0e\uff0e",
        "\uff0f",
        " ",
        "x y",
        "ü",
    ]
)
_PATHS = st.one_of(
    st.lists(_SEGMENTS, max_size=6).map("/".join),
    st.text(alphabet=st.sampled_from(list("ab./\\%25eEfF~:#? \x00")), max_size=24),
    st.text(max_size=24),
)


def _decodings(path: str) -> list[str]:
    forms = [path]
    for _ in range(MAX_DECODE_ROUNDS + 2):
        forms.append(unquote(forms[-1]))
    return forms + [unicodedata.normalize("NFKC", form) for form in forms]


@settings(max_examples=800, deadline=None)
@given(_PATHS)
@example("a/%2e%2e/b")
@example("a/b/%2e%2e%2f%2e%2e")
def test_accepted_paths_stay_under_the_root(path: str) -> None:
    try:
        rel = validate_artifact_path(path)
    except ArtifactPathError:
        return
    assert validate_artifact_path(rel) == rel
    assert not rel.startswith("/")
    assert "" not in rel.split("/") or rel == ""
    for form in _decodings(path) + _decodings(rel):
        posix = posixpath.normpath(posixpath.join("/srv/root", form))
        assert posix == "/srv/root" or posix.startswith("/srv/root/"), (path, form)
        windows = ntpath.normpath(ntpath.join("C:\\srv\\root", form))
        assert windows == "C:\\srv\\root" or windows.startswith("C:\\srv\\root\\"), (path, form)
