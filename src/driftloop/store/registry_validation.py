"""Validation of model registry input: names, aliases, versions, tags and text limits.

MLflow's rules (``mlflow/utils/validation.py``) and its schema's column sizes. Every check runs
before the database is touched and raises :class:`InvalidParameterError` naming the field.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Final

from driftloop.entities import ModelVersionStatus
from driftloop.errors import InvalidParameterError
from driftloop.store.validation import validate_key, validate_string_value

MAX_MODEL_NAME_LENGTH: Final = 256
MAX_ALIAS_LENGTH: Final = 255
MAX_DESCRIPTION_LENGTH: Final = 5000
MAX_SOURCE_LENGTH: Final = 500
MAX_RUN_ID_LENGTH: Final = 32
MAX_STATUS_MESSAGE_LENGTH: Final = 500
MAX_ACTOR_LENGTH: Final = 256
MAX_REGISTRY_TAG_VALUE_LENGTH: Final = 100_000
MAX_VERSION: Final = 2**31 - 1
UNKNOWN_ACTOR: Final = "unknown"

_ALIAS_PATTERN: Final = re.compile(r"[\w\-]*")
_VERSION_ALIAS_PATTERN: Final = re.compile(r"[vV]\d+")


def validate_model_name(name: object, field: str = "name") -> str:
    """Check a registered model name and return it.

    Non-blank, at most 256 characters, no ``/`` or ``:``, and unchanged when read as a path
    (no ``..`` or ``.`` segments, no leading ``/``).
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(
            f"model name must be a non-empty string, got {name!r}", field=field
        )
    if len(name) > MAX_MODEL_NAME_LENGTH:
        raise InvalidParameterError(
            f"model name {name[:50]!r}... is {len(name)} characters long; "
            f"the limit is {MAX_MODEL_NAME_LENGTH}",
            field=field,
        )
    if "/" in name or ":" in name:
        raise InvalidParameterError(
            f"invalid model name {name!r}: names cannot contain '/' or ':'", field=field
        )
    normalized = posixpath.normpath(name)
    if normalized != name or normalized == "." or normalized.startswith(".."):
        raise InvalidParameterError(
            f"invalid model name {name!r}: it would resolve to {normalized!r} when read as a path",
            field=field,
        )
    return name


def validate_alias_name(alias: object) -> str:
    """Check an alias name for ``set_alias`` and return it.

    1..255 characters of letters, digits, ``_`` and ``-``; ``latest`` (any case) and
    version-like names (``v1``, ``V12``) are reserved.
    """
    alias = validate_alias_lookup(alias)
    if alias.lower() == "latest":
        raise InvalidParameterError("alias name 'latest' (in any case) is reserved", field="alias")
    if _VERSION_ALIAS_PATTERN.fullmatch(alias):
        raise InvalidParameterError(
            f"alias name {alias!r} is reserved: it looks like a version (v<number>)",
            field="alias",
        )
    return alias


def validate_alias_lookup(alias: object) -> str:
    """Check the syntax of an alias name to look up or delete (reserved names allowed)."""
    if not isinstance(alias, str) or not alias:
        raise InvalidParameterError(
            f"alias name must be a non-empty string, got {alias!r}", field="alias"
        )
    if not _ALIAS_PATTERN.fullmatch(alias):
        raise InvalidParameterError(
            f"invalid alias name {alias!r}: aliases may only contain letters, digits, "
            "underscores (_) and dashes (-)",
            field="alias",
        )
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidParameterError(
            f"alias name {alias[:50]!r}... is {len(alias)} characters long; "
            f"the limit is {MAX_ALIAS_LENGTH}",
            field="alias",
        )
    return alias


def validate_version(version: object) -> int:
    """Check a version number (a positive 32-bit integer) and return it."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidParameterError(
            f"version must be a positive integer, got {version!r}", field="version"
        )
    if not 1 <= version <= MAX_VERSION:
        raise InvalidParameterError(
            f"version must be between 1 and {MAX_VERSION}, got {version}", field="version"
        )
    return version


def validate_registry_tags(tags: Mapping[str, str], field: str = "tags") -> None:
    """Check model or version tags: valid keys (as run tags), values up to 100000 chars."""
    if not isinstance(tags, Mapping):
        raise InvalidParameterError(
            f"tags must be a mapping of strings, got {type(tags).__name__}", field=field
        )
    for key, value in tags.items():
        validate_key("tag", key, field)
        validate_string_value("tag", key, value, MAX_REGISTRY_TAG_VALUE_LENGTH, field)


def validate_optional_text(value: object, field: str, limit: int) -> str | None:
    """Check an optional text (description, status message): None or a string within limit."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterError(
            f"{field} must be a string or None, got {type(value).__name__}", field=field
        )
    if len(value) > limit:
        raise InvalidParameterError(
            f"{field} is {len(value)} characters long; the limit is {limit}", field=field
        )
    return value


def validate_source(source: object) -> str:
    """Check a model version source: a non-empty string of at most 500 characters."""
    if not isinstance(source, str) or not source:
        raise InvalidParameterError(
            f"source must be a non-empty string, got {source!r}", field="source"
        )
    return validate_optional_text(source, "source", MAX_SOURCE_LENGTH) or source


def validate_run_id(run_id: object) -> str | None:
    """Check an optional run id (at most 32 characters); empty means None."""
    if run_id == "":
        return None
    return validate_optional_text(run_id, "run_id", MAX_RUN_ID_LENGTH)


def validate_status(status: object) -> ModelVersionStatus:
    """Check a model version status (the enum or its name) and return the enum."""
    try:
        return ModelVersionStatus(str(status))
    except ValueError:
        names = ", ".join(s.value for s in ModelVersionStatus)
        raise InvalidParameterError(
            f"unknown model version status {status!r} (use one of {names})", field="status"
        ) from None


def resolve_actor(actor: object) -> str:
    """The actor to record: ``"unknown"`` for None; otherwise a non-empty string <= 256."""
    if actor is None:
        return UNKNOWN_ACTOR
    if not isinstance(actor, str) or not actor:
        raise InvalidParameterError(
            f"actor must be a non-empty string or None, got {actor!r}", field="actor"
        )
    return validate_optional_text(actor, "actor", MAX_ACTOR_LENGTH) or actor
