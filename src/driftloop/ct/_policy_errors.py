"""PolicyError, and the translation of pydantic's errors into messages naming file, line, field.

Pydantic reports an error's location as a path (``("triggers", "performance", "min_labels")``);
the YAML document knows the line of every path, so each message reads
``policy.yaml:14: triggers.performance.min_labels: must be >= 1``.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from driftloop.ct._policy_yaml import Path, YamlDocument
from driftloop.errors import InvalidParameterError

__all__ = ["PolicyError", "PolicyIssue", "dotted", "issues_from_validation"]


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    """One problem in a policy file.

    Attributes:
        line: 1-based line in the file.
        field: Dotted path of the field (``rollout.canary.steps[1]``), ``""`` for the file.
        message: What is wrong, e.g. ``must be >= 1 (got 0)``.
    """

    line: int
    field: str
    message: str

    def render(self, source: str) -> str:
        """``source:line: field: message``."""
        where = f"{self.field}: " if self.field else ""
        return f"{source}:{self.line}: {where}{self.message}"


class PolicyError(InvalidParameterError):
    """A CT policy file does not parse or does not validate.

    The message has one line per problem, ``file:line: dotted.field: what is wrong``, in
    file order. ``line`` and ``field`` are those of the first problem; ``issues`` holds all.
    """

    code: ClassVar[str] = "INVALID_POLICY"

    def __init__(self, source: str, issues: Sequence[PolicyIssue]) -> None:
        if not issues:
            raise ValueError("a PolicyError needs at least one issue")
        ordered = tuple(sorted(issues, key=lambda issue: issue.line))
        super().__init__(
            "\n".join(issue.render(source) for issue in ordered),
            field=ordered[0].field or None,
        )
        self.source = source
        self.line = ordered[0].line
        self.issues = ordered


def dotted(path: Sequence[str | int]) -> str:
    """``("rollout", "canary", "steps", 1)`` -> ``rollout.canary.steps[1]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def issues_from_validation(
    error: ValidationError, document: YamlDocument, root: type[BaseModel]
) -> list[PolicyIssue]:
    """One :class:`PolicyIssue` per pydantic error, located in ``document``."""
    issues = []
    for detail in error.errors(include_url=False):
        path = _path_of(detail)
        message = _message(detail, path, root)
        issues.append(PolicyIssue(document.line_of(path), dotted(path), message))
    return issues


def _path_of(detail: ErrorDetails) -> Path:
    path: Path = tuple(detail["loc"])
    subpath = (detail.get("ctx") or {}).get("subpath")
    if subpath:
        path += tuple(int(part) if part.isdigit() else part for part in subpath.split("."))
    return path


_FIXED = {
    "missing": "required",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dataclass_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "too_short": "must not be empty",
}
_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def _message(detail: ErrorDetails, path: Path, root: type[BaseModel]) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    got = _got(detail["input"])
    if kind == "extra_forbidden":
        return _unknown_key(path, root)
    if kind in _BOUNDS:
        name, symbol = _BOUNDS[kind]
        return f"must be {symbol} {ctx[name]}{got}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}{got}"
    if kind in _FIXED:
        return _FIXED[kind] + ("" if kind == "missing" else got)
    message = str(detail["msg"])
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _got(value: Any) -> str:
    """`` (got <value>)`` for a scalar, written as YAML writes it."""
    if value is None:
        return " (got null)"
    if isinstance(value, bool):
        return f" (got {str(value).lower()})"
    if isinstance(value, int | float | str):
        shown = repr(value)
        return f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return ""


def _unknown_key(path: Path, root: type[BaseModel]) -> str:
    allowed = _allowed_keys(path[:-1], root)
    if not allowed:
        return "unknown key"
    key = str(path[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key {key!r} ({hint}allowed: {', '.join(allowed)})"


def _allowed_keys(parent: Path, root: type[BaseModel]) -> list[str]:
    """The field names of the section at ``parent`` (following the model's annotations)."""
    model: type[BaseModel] | None = root
    for part in parent:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return []
        model = _model_in(model.model_fields[part].annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for member in typing.get_args(annotation):
            found = _model_in(member)
            if found is not None:
                return found
    return None
