"""Deployment argument checks shared by every :class:`DeploymentStore` backend.

Each check raises :class:`InvalidParameterError` naming the request field, before any store
is touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from driftloop.entities import DeploymentMode
from driftloop.errors import InvalidParameterError
from driftloop.store.deployment_base import UNCHANGED, _Unchanged
from driftloop.store.registry_validation import (
    MAX_DESCRIPTION_LENGTH,
    MAX_VERSION,
    validate_alias_lookup,
    validate_model_name,
    validate_optional_text,
)


@dataclass(frozen=True, slots=True)
class UpdateRequest:
    """The checked arguments of an update (``UNCHANGED``/None: leave as is)."""

    challenger: int | _Unchanged | None
    mode: DeploymentMode | None
    fraction: float | None
    description: str | _Unchanged | None

    @classmethod
    def checked(
        cls, challenger: object, mode: object, fraction: object, description: object
    ) -> UpdateRequest:
        """Check each value's type and range before the database is touched.

        Raises:
            InvalidParameterError: A value is invalid (field named).
        """
        return cls(
            challenger=challenger
            if challenger is UNCHANGED
            else checked_challenger_version(challenger),
            mode=None if mode is None else checked_mode(mode),
            fraction=None if fraction is None else checked_fraction(fraction),
            description=(
                UNCHANGED
                if description is UNCHANGED
                else validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
            ),
        )


def checked_deployment_name(name: object) -> str:
    """A deployment name (registered-model name rules); raises naming field ``name``."""
    try:
        return validate_model_name(name, "name")
    except InvalidParameterError as e:
        message = e.message.replace("model name", "deployment name", 1)
        raise InvalidParameterError(message, field="name") from None


def checked_champion_alias(alias: object) -> str:
    """The champion alias (alias rules); raises naming field ``champion_alias``."""
    try:
        return validate_alias_lookup(alias)
    except InvalidParameterError as e:
        raise InvalidParameterError(f"champion {e.message}", field="champion_alias") from None


def checked_challenger_version(version: object) -> int | None:
    """A version number or None; raises naming field ``challenger_version``."""
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise InvalidParameterError(
            f"challenger_version must be a version number (1..{MAX_VERSION}) or null, "
            f"got {version!r}",
            field="challenger_version",
        )
    return version


def checked_mode(mode: object) -> DeploymentMode:
    """One of :class:`DeploymentMode`'s values; raises naming field ``mode``."""
    if isinstance(mode, str) and mode in {m.value for m in DeploymentMode}:
        return DeploymentMode(mode)
    names = ", ".join(m.value for m in DeploymentMode)
    raise InvalidParameterError(
        f"unknown deployment mode {mode!r} (use one of {names})", field="mode"
    )


def checked_fraction(fraction: object) -> float:
    """A number in [0, 1]; raises naming field ``canary_fraction``."""
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not 0.0 <= fraction <= 1.0  # also refuses NaN and the infinities
    ):
        raise InvalidParameterError(
            f"canary_fraction must be a number between 0 and 1, got {fraction!r}",
            field="canary_fraction",
        )
    return float(fraction)
