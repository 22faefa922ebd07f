"""Helpers every flavor shares: lazy imports, option checks and safe file names."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import ModuleType
from typing import Any

from driftloop.errors import InvalidParameterError, MissingDependencyError, ModelFormatError

TRUST_HINT = "pass trusted=True (CLI: --trusted) if you trust this model's source"
"""How to opt in to loading a model that runs code; every ``UntrustedModelError`` ends with it."""


def import_optional(module: str, *, package: str, extra: str) -> ModuleType:
    """Import ``module``, or raise ``MissingDependencyError`` naming ``package`` and ``extra``.

    Args:
        module: The module to import (``sklearn``, ``skops.io``...).
        package: The distribution that provides it, as ``pip install`` spells it.
        extra: The ``driftloop[extra]`` that installs the distribution.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(package, extra) from exc


def class_modules(model: object) -> Iterable[str]:
    """The ``__module__`` of every class in ``type(model)``'s MRO; never imports anything."""
    return (getattr(cls, "__module__", "") or "" for cls in type(model).__mro__)


def from_package(module: str, package: str) -> bool:
    """Whether the dotted ``module`` name is ``package`` or one of its submodules."""
    return module == package or module.startswith(f"{package}.")


def check_option_keys(options: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Raise ``InvalidParameterError`` naming the keys of ``options`` not in ``allowed``."""
    known = set(allowed)
    unknown = sorted(str(key) for key in options if key not in known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise InvalidParameterError(
            f"unknown flavor options {unknown}; this flavor accepts: {expected}",
            field="flavor_options",
        )


def option_str(options: Mapping[str, Any], key: str) -> str:
    """The string option ``key`` that :meth:`Flavor.save` stored; ``ModelFormatError`` if not."""
    value = options.get(key)
    if not isinstance(value, str) or not value:
        raise ModelFormatError(
            f"flavor option {key!r} must be a non-empty string, got {value!r}", field=key
        )
    return value


def resolve_model_file(directory: Path, relative: object, *, field: str) -> Path:
    """The existing file ``relative`` inside ``directory``; refuses paths that leave it.

    ``relative`` comes from a file the model author wrote (manifest, ``MLmodel``), so absolute
    paths, drive letters, ``..`` parts and symlinks that point outside ``directory`` are
    rejected with ``ModelFormatError``.
    """
    if not isinstance(relative, str) or not relative:
        raise ModelFormatError(
            f"{field} must be a relative file path, got {relative!r}", field=field
        )
    posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root:
        raise ModelFormatError(
            f"{field} {relative!r} is absolute; model files must be inside the model directory",
            field=field,
        )
    if ".." in posix.parts or ".." in windows.parts:
        raise ModelFormatError(
            f"{field} {relative!r} contains '..'; model files must be inside the model directory",
            field=field,
        )
    root = directory.resolve()
    path = (root / posix).resolve()
    if not path.is_relative_to(root):
        raise ModelFormatError(
            f"{field} {relative!r} points outside the model directory", field=field
        )
    if not path.is_file():
        raise ModelFormatError(f"model file {relative!r} ({field}) does not exist", field=field)
    return path
