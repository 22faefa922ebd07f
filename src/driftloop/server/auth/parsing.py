"""Parse role, resource type and grant permission names, naming the allowed values on error."""

from __future__ import annotations

import enum
from typing import TypeVar

from driftloop.errors import InvalidParameterError
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role

E = TypeVar("E", bound=enum.StrEnum)


def parse_role(value: str) -> Role:
    """The role named ``value``; raises ``InvalidParameterError`` listing the roles."""
    return _parse(Role, value, "role")


def parse_resource_type(value: str) -> ResourceType:
    """The resource type named ``value``; raises ``InvalidParameterError``."""
    return _parse(ResourceType, value, "resource_type")


def parse_permission(value: str) -> GrantPermission:
    """The grant permission named ``value``; raises ``InvalidParameterError``."""
    return _parse(GrantPermission, value, "permission")


def _parse(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidParameterError(
            f"unknown {field.replace('_', ' ')} {value!r}; use one of {allowed}", field=field
        ) from None
