"""``package.module:QualName`` references to classes that a model directory rebuilds by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from driftloop.errors import InvalidParameterError, ModelFormatError


@dataclass(frozen=True, slots=True)
class ClassReference:
    """Where a class lives: its module's dotted name and its qualified name in that module."""

    module: str
    qualname: str

    def __str__(self) -> str:
        return f"{self.module}:{self.qualname}"

    @classmethod
    def parse(cls, text: str) -> ClassReference:
        """Parse ``package.module:QualName``; ``ModelFormatError`` if it is not one.

        Every part must be an identifier and no part of the qualified name may be a dunder, so
        a reference can only walk module and class attributes, never ``__globals__`` & co.
        """
        module, sep, qualname = text.partition(":")
        valid = (
            sep == ":"
            and all(part.isidentifier() for part in module.split("."))
            and all(
                part.isidentifier() and not part.startswith("__") for part in qualname.split(".")
            )
        )
        if not valid:
            raise ModelFormatError(
                f"class reference {text!r} is not of the form 'package.module:QualName'",
                field="class",
            )
        return cls(module, qualname)


def class_reference(model_class: type) -> ClassReference:
    """The reference that imports ``model_class`` back; ``InvalidParameterError`` if none does.

    Classes defined in ``__main__`` or inside a function cannot be imported by another
    process, so a model built from them could never be loaded.
    """
    reference = ClassReference(model_class.__module__, model_class.__qualname__)
    hint = "define it at module level in an importable module (not __main__, not in a function)"
    if reference.module == "__main__" or "<locals>" in reference.qualname:
        raise InvalidParameterError(
            f"the model class {reference} must be importable to be loaded again; {hint}",
            field="model",
        )
    try:
        resolved = _walk(reference)
    except (ImportError, AttributeError) as exc:
        raise InvalidParameterError(
            f"the model class {reference} cannot be imported back; {hint}", field="model"
        ) from exc
    if resolved is not model_class:
        raise InvalidParameterError(
            f"importing {reference} gives another object than the model's class; {hint}",
            field="model",
        )
    return reference


def resolve_class(reference: ClassReference, *, base: type) -> type:
    """Import the class ``reference`` names and check it subclasses ``base``.

    Importing runs the module's code: callers decide first whether that is trusted.
    """
    try:
        resolved = _walk(reference)
    except (ImportError, AttributeError) as exc:
        raise ModelFormatError(
            f"the model class {reference} cannot be imported", field="class"
        ) from exc
    if not isinstance(resolved, type) or not issubclass(resolved, base):
        raise ModelFormatError(
            f"{reference} is not a subclass of {base.__module__}.{base.__qualname__}",
            field="class",
        )
    return resolved


def _walk(reference: ClassReference) -> object:
    resolved: object = importlib.import_module(reference.module)
    for part in reference.qualname.split("."):
        resolved = getattr(resolved, part)
    return resolved
