"""Typed field readers for parsing serialized profiles.

Each reader names the offending field by its dotted path (``columns[2].numeric.bin_edges``) in
the :class:`~driftloop.errors.ProfileError` it raises, so a malformed file points at its fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from driftloop.errors import ProfileError


def child(path: str, key: str) -> str:
    """The dotted path of ``key`` inside the object at ``path``."""
    return f"{path}.{key}" if path else key


def require(data: Mapping[str, Any], key: str, path: str) -> Any:
    """The value of ``data[key]``, or a :class:`ProfileError` naming the missing field."""
    if key not in data:
        field = child(path, key)
        raise ProfileError(f"profile field {field!r} is missing", field=field)
    return data[key]


def malformed(path: str, expected: str) -> ProfileError:
    """The error for a field whose value is not what the format says."""
    return ProfileError(f"profile field {path!r} must be {expected}", field=path)


def as_mapping(value: object, path: str) -> Mapping[str, Any]:
    """``value`` as a JSON object."""
    if not isinstance(value, Mapping):
        raise malformed(path, "an object")
    return value


def as_list(value: object, path: str) -> list[Any]:
    """``value`` as a JSON array."""
    if not isinstance(value, list | tuple):
        raise malformed(path, "an array")
    return list(value)


def as_str(value: object, path: str) -> str:
    """``value`` as a string."""
    if not isinstance(value, str):
        raise malformed(path, "a string")
    return value


def as_count(value: object, path: str) -> int:
    """``value`` as a non-negative integer (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise malformed(path, "a non-negative integer")
    return value


def as_float(value: object, path: str) -> float:
    """``value`` as a finite float; JSON integers are accepted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise malformed(path, "a number")
    number = float(value)
    if not math.isfinite(number):
        raise malformed(path, "a finite number")
    return number


def as_optional_float(value: object, path: str) -> float | None:
    """``value`` as a finite float, or None for JSON ``null``."""
    return None if value is None else as_float(value, path)
