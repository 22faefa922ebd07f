"""Shallow run-time checks of values against type annotations (steps' inputs and outputs).

Only what can be checked cheaply and without false alarms: plain classes (with Python's
numeric tower: an ``int`` is a valid ``float``), unions and ``Optional``, ``Literal``, and the
container class of a generic (``list[int]`` checks ``list``, not the items). Anything else
(``Any``, type variables, protocols, unresolved string annotations) accepts every value.
"""

from __future__ import annotations

import inspect
import numbers
import types
import typing
from typing import Any

_NUMERIC_TOWER: dict[type, type] = {
    float: numbers.Real,
    complex: numbers.Complex,
}


def matches(value: object, annotation: object) -> bool:
    """Whether ``value`` is acceptable for ``annotation`` (see the module docstring)."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return matches(value, typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(matches(value, arg) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if isinstance(origin, type):
        return _is_instance(value, origin)
    if isinstance(annotation, type):
        return _is_instance(value, annotation)
    return True


def compatible(produced: object, expected: object) -> bool:
    """Whether a value annotated ``produced`` may be given where ``expected`` is annotated.

    Only two plain classes are compared (``issubclass``, numeric tower included); anything
    else is assumed compatible, as the value itself is checked when it exists.
    """
    if Any in (produced, expected):  # Any is a class since Python 3.11
        return True
    if not isinstance(produced, type) or not isinstance(expected, type):
        return True
    if produced is bool and expected in _NUMERIC_TOWER:
        return False
    if expected in _NUMERIC_TOWER and issubclass(produced, _NUMERIC_TOWER[expected]):
        return True
    # A value typed as the base class may well be the subclass at run time.
    return issubclass(produced, expected) or issubclass(expected, produced)


def describe(annotation: object) -> str:
    """A readable name for an annotation, for error messages."""
    if isinstance(annotation, type):
        return annotation.__qualname__
    return str(annotation).replace("typing.", "")


def _is_instance(value: object, cls: type) -> bool:
    if cls in _NUMERIC_TOWER:
        return not isinstance(value, bool) and isinstance(value, _NUMERIC_TOWER[cls])
    try:
        return isinstance(value, cls)
    except TypeError:  # a protocol that is not runtime-checkable, or a special form
        return True
