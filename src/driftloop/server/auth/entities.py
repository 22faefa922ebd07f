"""Users, API tokens and per-resource grants of an authenticating server.

Roles and grant permissions are ordered: a higher one includes everything a lower one allows.
The semantics are documented in ``docs/server.md`` ("Authentication and roles").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """What a user may do on every resource (grants add to it per resource).

    ``GUEST`` reads only what grants give; ``READER`` reads everything; ``EDITOR`` reads and
    writes everything; ``ADMIN`` also manages users, tokens and grants.
    """

    GUEST = "guest"
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order guest < reader < editor < admin."""
        return _ROLE_ORDER.index(self)


_ROLE_ORDER = (Role.GUEST, Role.READER, Role.EDITOR, Role.ADMIN)


class ResourceType(enum.StrEnum):
    """What a grant is about."""

    EXPERIMENT = "experiment"
    REGISTERED_MODEL = "registered_model"


class GrantPermission(enum.StrEnum):
    """What a grant allows on its resource: read < edit < manage."""

    READ = "read"
    EDIT = "edit"
    MANAGE = "manage"

    @property
    def rank(self) -> int:
        """Position in the order read < edit < manage."""
        return _GRANT_ORDER.index(self)


_GRANT_ORDER = (GrantPermission.READ, GrantPermission.EDIT, GrantPermission.MANAGE)


@dataclass(frozen=True, slots=True)
class User:
    """A user of the server.

    Attributes:
        name: Unique login name.
        role: Global role.
        created: Creation time, milliseconds since the epoch.
        has_password: Whether the user can log in with a password (else only with tokens).
    """

    name: str
    role: Role
    created: int
    has_password: bool = True


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token's metadata; the secret itself is never stored, only its SHA-256.

    Attributes:
        token_id: Public id (to list and revoke the token); not a secret.
        name: What the token is for (free text, may be empty).
        user: The user the token authenticates as.
        created: Creation time, milliseconds since the epoch.
        last_used: Last successful authentication (updated at most once a minute), or None.
        expires: Expiry time, or None for a token that does not expire.
        revoked: Revocation time, or None.
    """

    token_id: str
    name: str
    user: str
    created: int
    last_used: int | None = None
    expires: int | None = None
    revoked: int | None = None

    def is_valid(self, now_ms: int) -> bool:
        """Whether the token authenticates at ``now_ms`` (not revoked, not expired)."""
        return self.revoked is None and (self.expires is None or now_ms < self.expires)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: its metadata and the secret, which is shown only this once.

    Attributes:
        token: The stored metadata.
        secret: The bearer secret (``dl_...``).
    """

    token: ApiToken
    secret: str = ""

    def __repr__(self) -> str:
        return f"NewToken(token={self.token!r}, secret='***')"


@dataclass(frozen=True, slots=True)
class Grant:
    """A permission of one user on one experiment or registered model.

    Attributes:
        user: The user the grant is for.
        resource_type: ``experiment`` or ``registered_model``.
        resource_id: The experiment id or the registered model name.
        permission: ``read``, ``edit`` or ``manage``.
    """

    user: str
    resource_type: ResourceType
    resource_id: str
    permission: GrantPermission


@dataclass(frozen=True, slots=True)
class TokenLogin:
    """A successful token authentication: the token and its user.

    Attributes:
        user: The user the token authenticates as.
        token: The token's metadata.
    """

    user: User
    token: ApiToken
