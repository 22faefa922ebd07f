"""The coded errors of authentication, authorization and the user/token/grant store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from driftloop.errors import DriftloopError, InvalidParameterError, NotFoundError

REALM = "driftloop"
"""The HTTP authentication realm the server names in ``WWW-Authenticate``."""


class UnauthenticatedError(DriftloopError):
    """No valid credentials were given; the response asks for Basic or bearer credentials."""

    code = "UNAUTHENTICATED"
    http_status = 401
    http_headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": f'Basic realm="{REALM}"'}


class PermissionDeniedError(DriftloopError):
    """The caller is authenticated but lacks the permission."""

    code = "PERMISSION_DENIED"
    http_status = 403


class UserNotFoundError(NotFoundError):
    """No user has this name."""


class TokenNotFoundError(NotFoundError):
    """No API token has this id."""


class GrantNotFoundError(NotFoundError):
    """The user has no grant on this resource."""


class WeakPasswordError(InvalidParameterError):
    """The password is empty or shorter than the minimum length."""


class AuthDisabledError(DriftloopError):
    """User, token and grant routes answer only on a server started with ``--auth``."""

    code = "AUTH_DISABLED"
    http_status = 404
