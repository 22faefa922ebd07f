"""Import a policy's ``module:function`` (training entry point, data loader) and hash its code."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import marshal
import uuid
from collections.abc import Callable
from typing import Any

from driftloop.ct._policy_values import EntryPoint, parse_entry_point
from driftloop.errors import InvalidParameterError

__all__ = ["code_digest", "resolve_function"]


def resolve_function(reference: EntryPoint | str, *, field: str) -> Callable[..., Any]:
    """The callable ``module:function`` names (the attribute may be dotted: ``mod:Cls.make``).

    Raises:
        InvalidParameterError: It is a project entry point, the module does not import, the
            attribute is missing or not callable; ``field`` names the policy field.
    """
    if isinstance(reference, str):
        try:
            reference = parse_entry_point(reference, allow_project=False)
        except ValueError as error:
            raise InvalidParameterError(str(error), field=field) from None
    if reference.kind != "function":
        raise InvalidParameterError(
            f"{reference} is a project entry point; only 'module:function' can be run yet",
            field=field,
        )
    try:
        found: Any = importlib.import_module(reference.target)
    except ImportError as error:
        raise InvalidParameterError(
            f"cannot import {reference.target!r} for {reference}: {type(error).__name__}: {error}",
            field=field,
        ) from error
    for part in reference.name.split("."):
        if not hasattr(found, part):
            raise InvalidParameterError(
                f"{reference}: {reference.target!r} has no attribute {reference.name!r}",
                field=field,
            )
        found = getattr(found, part)
    if not callable(found):
        raise InvalidParameterError(
            f"{reference} is a {type(found).__name__}, not a function", field=field
        )
    return found  # type: ignore[no-any-return]


def code_digest(function: Callable[..., Any]) -> str:
    """SHA-256 of the source of the module defining ``function`` (helpers included).

    Without source (a compiled or interactive function) the marshalled code object stands in;
    without either, a random value, so nothing keyed on it is ever reused.
    """
    module = inspect.getmodule(function)
    try:
        text = inspect.getsource(module if module is not None else function).encode()
    except (OSError, TypeError):
        code = getattr(function, "__code__", None)
        text = marshal.dumps(code) if code is not None else uuid.uuid4().bytes
    return f"sha256:{hashlib.sha256(text).hexdigest()}"
