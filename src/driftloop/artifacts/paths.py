"""Artifact path validation: the one gate every repository puts its paths through.

An artifact path is relative, ``/``-separated and must stay below the repository root however
it is later joined, decoded or interpreted (POSIX file system, Windows file system, URL, S3
key). Rather than trying to repair hostile input, :func:`validate_artifact_path` refuses it:
MLflow's path-traversal CVEs (CVE-2023-1177, CVE-2023-6909, CVE-2024-1560, ...) came from
inputs that one layer normalised or decoded and another layer trusted.

Examples:
    >>> validate_artifact_path("model//weights/./w.bin")
    'model/weights/w.bin'
    >>> validate_artifact_path(None)
    ''
    >>> join_artifact_path("s3://bucket/run/artifacts/", "model/w.bin")
    's3://bucket/run/artifacts/model/w.bin'
"""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn
from urllib.parse import unquote

from driftloop.errors import ArtifactPathError

__all__ = ["join_artifact_path", "validate_artifact_file", "validate_artifact_path"]

#: How many rounds of percent-decoding are looked through before a path is refused as
#: suspiciously over-encoded.
MAX_DECODE_ROUNDS = 4

# ``?`` and ``#`` end the path part of a URL; CVE-2023-6909 smuggled a traversal through a
# fragment. ``\`` is a separator on Windows. None of them is refused by POSIX file systems,
# so a path holding one means different things to different layers.
_URL_OR_WINDOWS_SPECIAL = frozenset("\\?#")
# Windows drives are letters, but ntpath (and so pathlib) reads any "X:" prefix as one.
_DRIVE = re.compile(r"^[^/]:")
# Unicode categories refused anywhere: control characters (NUL, newline, DEL, C1 controls)
# and lone surrogates (undecodable bytes smuggled through ``surrogateescape``).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})


def validate_artifact_path(path: str | None, *, field: str = "artifact_path") -> str:
    r"""Check that ``path`` is a safe relative artifact path and return it normalised.

    Normalising drops empty and ``.`` segments and a trailing ``/``; ``None`` and ``""``
    mean the root and give ``""``. The path is refused, not repaired, when it, any of its
    percent-decodings (up to :data:`MAX_DECODE_ROUNDS` rounds, so ``%252e`` is seen as ``.``)
    or their NFKC forms (where the fullwidth full stop U+FF0E is ``.``):

    * is absolute: starts with ``/`` (including ``//host``), a drive (``C:``) or ``~``;
    * has a segment that is ``..`` or made only of dots and spaces (``...``, ``.. ``: Windows
      strips trailing dots and spaces);
    * holds ``\``, ``?``, ``#``, a control character (NUL, newline, ...) or a lone surrogate;
    * gains a ``/`` by decoding (``a%2Fb``), or is still changing after the last round.

    Percent signs that do not decode into anything dangerous are kept as they are:
    ``"100%.txt"`` and ``"a%20b.txt"`` are accepted and name exactly those files.

    Args:
        path: The path given by the caller.
        field: Argument name reported in the error.

    Returns:
        The normalised relative path, ``/``-separated, ``""`` for the root.

    Raises:
        ArtifactPathError: The path is unsafe; the message names it.
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise ArtifactPathError(
            f"artifact path must be a string, not {type(path).__name__}", field=field
        )
    decoded = path
    for _ in range(MAX_DECODE_ROUNDS):
        _check_form(path, decoded, field)
        previous, decoded = decoded, unquote(decoded)
        if decoded == previous:
            break
    else:
        _refuse(path, "is percent-encoded too many times", field)
    return "/".join(segment for segment in path.split("/") if segment not in {"", "."})


def validate_artifact_file(path: str, *, field: str = "artifact_file") -> str:
    """Like :func:`validate_artifact_path`, for a path that must name a file, not the root.

    Raises:
        ArtifactPathError: The path is unsafe or names the root (``""``, ``"."``, ``"./"``).
    """
    rel = validate_artifact_path(path, field=field)
    if not rel:
        raise ArtifactPathError(
            f"artifact file {path!r} names the artifact root, not a file", field=field
        )
    return rel


def join_artifact_path(root: str, relative: str | None) -> str:
    """Join a validated relative artifact path to a root URI, key prefix or POSIX path.

    ``relative`` is validated here too, so the result is always under ``root``.

    Args:
        root: Root URI, key prefix or path; a trailing ``/`` is ignored.
        relative: Path below the root; ``None`` or ``""`` return the root itself.

    Returns:
        ``root`` and ``relative`` joined by exactly one ``/``.
    """
    rel = validate_artifact_path(relative)
    if not rel:
        return root
    base = root.rstrip("/")
    return f"{base}/{rel}" if base else rel


def _check_form(original: str, candidate: str, field: str) -> None:
    """Refuse ``original`` when ``candidate`` (it, or one of its decodings) is unsafe."""
    for form in (candidate, unicodedata.normalize("NFKC", candidate)):
        if form.count("/") != original.count("/"):
            _refuse(original, "has an encoded '/'", field)
        if form.startswith("/"):
            _refuse(original, "is absolute", field)
        for char in form:
            if char in _URL_OR_WINDOWS_SPECIAL:
                _refuse(original, f"contains {char!r}", field)
            if unicodedata.category(char) in _REFUSED_CATEGORIES:
                _refuse(original, f"contains the control character {char!r}", field)
        _check_segments(original, form, field)


def _check_segments(original: str, form: str, field: str) -> None:
    segments = [segment for segment in form.split("/") if segment not in {"", "."}]
    if segments and _DRIVE.match(segments[0]):
        _refuse(original, "starts with a drive letter", field)
    if segments and segments[0].startswith("~"):
        _refuse(original, "starts with '~'", field)
    for segment in segments:
        if segment == "..":
            _refuse(original, "has a '..' segment", field)
        if not segment.strip(". "):
            _refuse(original, f"has the segment {segment!r}, made only of dots and spaces", field)


def _refuse(path: str, reason: str, field: str) -> NoReturn:
    raise ArtifactPathError(
        f"artifact path {path!r} {reason}; artifact paths are relative, '/'-separated "
        "and stay below the artifact root",
        field=field,
    )
