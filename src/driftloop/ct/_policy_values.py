"""Scalar values of a CT policy: durations, entry points, metric directions, field errors.

These are pure parsers with no I/O; the pydantic models of the policy sections use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationInfo
from pydantic_core import PydanticCustomError

__all__ = [
    "HIGHER_IS_BETTER",
    "Direction",
    "Duration",
    "EntryPoint",
    "FunctionRef",
    "OptionalDirection",
    "PolicySection",
    "TargetRef",
    "field_error",
    "format_duration",
    "infer_higher_is_better",
    "parse_duration",
    "parse_entry_point",
]

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_DURATION_RE = re.compile(r"(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_MAX_SECONDS = 100 * 366 * 86_400
_DURATION_HINT = "a duration like 30m, 12h, 7d or 1h30m (units w, d, h, m, s)"

HIGHER_IS_BETTER: dict[str, bool] = {
    "accuracy": True,
    "balanced_accuracy": True,
    "f1": True,
    "precision": True,
    "recall": True,
    "roc_auc": True,
    "r2": True,
    "log_loss": False,
    "rmse": False,
    "mse": False,
    "mae": False,
}
"""Known metric names and whether a higher value is better (used when a policy omits it)."""


class PolicySection(BaseModel):
    """Base of every policy section: frozen, strict types, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


def field_error(subpath: str, message: str) -> PydanticCustomError:
    """An error a validator raises about a part of what it validates (``subpath``, dotted).

    Pydantic locates a model validator's error at the model itself (and a field validator's
    at the field); the policy's error translation appends ``subpath`` (``""`` for none;
    all-digit segments are list positions) so the message names the exact field and line.
    """
    return PydanticCustomError(
        "policy_field", "{message}", {"message": message, "subpath": subpath}
    )


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as ``30m``, ``12h``, ``7d`` or ``1h30m`` (positive, whole seconds).

    Units (in this order when combined): ``w`` weeks, ``d`` days, ``h`` hours, ``m`` minutes,
    ``s`` seconds.

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)

    Raises:
        ValueError: The text is not such a duration, is zero, or exceeds 100 years.
    """
    match = _DURATION_RE.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not {_DURATION_HINT}")
    seconds = sum(
        int(group) * unit
        for group, unit in zip(match.groups(), _UNIT_SECONDS.values(), strict=True)
        if group is not None
    )
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    if seconds > _MAX_SECONDS:
        raise ValueError(f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The canonical text of a duration, the inverse of :func:`parse_duration`.

    >>> format_duration(timedelta(days=1, minutes=5))
    '1d5m'
    """
    remaining = int(value.total_seconds())
    if remaining <= 0 or remaining != value.total_seconds():
        raise ValueError(f"{value!r} is not a positive whole number of seconds")
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _duration_before(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise PydanticCustomError("duration_type", f"must be {_DURATION_HINT}")


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration_before),
    PlainSerializer(format_duration, return_type=str),
]
"""A policy duration: written ``7d``/``12h``/``30m``, held as a :class:`~datetime.timedelta`."""

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_FUNCTION_RE = re.compile(rf"({_IDENT}(?:\.{_IDENT})*):({_IDENT}(?:\.{_IDENT})*)")
_PROJECT_RE = re.compile(r"([^#\s][^#]*)#([A-Za-z0-9_][A-Za-z0-9_.-]*)")


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """Where training (or data loading) code lives.

    Attributes:
        kind: ``function`` for ``module:function`` (an importable callable), ``project``
            for ``project_dir#entry`` (an entry point of a project folder).
        target: For ``function`` the dotted module; for ``project`` the folder.
        name: For ``function`` the (possibly dotted) attribute; for ``project`` the entry.
    """

    kind: Literal["function", "project"]
    target: str
    name: str

    def __str__(self) -> str:
        separator = ":" if self.kind == "function" else "#"
        return f"{self.target}{separator}{self.name}"


def parse_entry_point(text: str, *, allow_project: bool = True) -> EntryPoint:
    """Parse ``module:function`` or (when allowed) ``project_dir#entry``.

    Only the syntax is checked: nothing is imported and no folder is read.

    >>> parse_entry_point("churn.train:main")
    EntryPoint(kind='function', target='churn.train', name='main')

    Raises:
        ValueError: The text is neither form.
    """
    stripped = text.strip()
    if match := _FUNCTION_RE.fullmatch(stripped):
        return EntryPoint("function", match.group(1), match.group(2))
    if allow_project and (match := _PROJECT_RE.fullmatch(stripped)):
        return EntryPoint("project", match.group(1).rstrip(), match.group(2))
    forms = "'module:function' or 'project_dir#entry'" if allow_project else "'module:function'"
    raise ValueError(f"{text!r} is not {forms}")


def infer_higher_is_better(metric: str, given: bool | None) -> bool:
    """``given`` if set, else the known direction of ``metric``.

    Raises:
        ValueError: ``given`` is None and the metric is not in :data:`HIGHER_IS_BETTER`.
    """
    if given is not None:
        return given
    known = HIGHER_IS_BETTER.get(metric)
    if known is None:
        names = ", ".join(sorted(HIGHER_IS_BETTER))
        raise ValueError(
            f"cannot be inferred for metric {metric!r} (known: {names}); set it to true or false"
        )
    return known


def _entry_point_before(value: Any, *, allow_project: bool) -> Any:
    if isinstance(value, EntryPoint):
        return value
    if not isinstance(value, str):
        forms = "'module:function' or 'project_dir#entry'" if allow_project else "'module:function'"
        raise PydanticCustomError("entry_point_type", f"must be a string {forms}")
    return parse_entry_point(value, allow_project=allow_project)


TargetRef = Annotated[
    EntryPoint,
    BeforeValidator(lambda value: _entry_point_before(value, allow_project=True)),
    PlainSerializer(str, return_type=str),
]
"""``module:function`` or ``project_dir#entry``, parsed into an :class:`EntryPoint`."""

FunctionRef = Annotated[
    EntryPoint,
    BeforeValidator(lambda value: _entry_point_before(value, allow_project=False)),
    PlainSerializer(str, return_type=str),
]
"""``module:function`` only, parsed into an :class:`EntryPoint`."""


def _resolve_direction(value: Any, info: ValidationInfo) -> Any:
    if value is not None:
        return value
    if "metric" not in info.data:
        return True  # the metric itself is invalid and reported; do not report this too
    metric = info.data["metric"]
    if metric is None:
        return None  # an optional metric left out: no direction either
    return infer_higher_is_better(metric, None)


Direction = Annotated[bool, BeforeValidator(_resolve_direction)]
"""``higher_is_better`` of the section's ``metric`` field, inferred when left out.

Use with ``Field(default=None, validate_default=True)`` after the ``metric`` field.
"""

OptionalDirection = Annotated[bool | None, BeforeValidator(_resolve_direction)]
""":data:`Direction` for an optional ``metric``: None while the metric is left out."""
