"""The user, API token and grant store of an authenticating server."""

from __future__ import annotations

import abc

from driftloop.server.auth.entities import (
    ApiToken,
    Grant,
    GrantPermission,
    NewToken,
    ResourceType,
    Role,
    TokenLogin,
    User,
)


class AuthStore(abc.ABC):
    """Users with roles and passwords, their API tokens and their per-resource grants.

    There is no default user: a fresh store is empty and a server with ``--auth`` refuses
    every request but ``/health`` and ``/version`` until an admin is created with
    ``driftloop users create NAME --role admin``.
    """

    @abc.abstractmethod
    def create_user(self, name: str, role: Role, password: str | None = None) -> User:
        """Create a user; without a password the user can only authenticate with tokens.

        Raises:
            AlreadyExistsError: A user has this name.
            InvalidParameterError: The name is empty, too long or has control characters.
            WeakPasswordError: The password has fewer than 12 characters.
        """

    @abc.abstractmethod
    def get_user(self, name: str) -> User:
        """The user named ``name``; raises ``UserNotFoundError`` when there is none."""

    @abc.abstractmethod
    def list_users(self) -> list[User]:
        """Every user, by name."""

    @abc.abstractmethod
    def set_user_role(self, name: str, role: Role) -> User:
        """Change a user's role; raises ``UserNotFoundError``."""

    @abc.abstractmethod
    def set_user_password(self, name: str, password: str | None) -> None:
        """Set (or, with None, remove) a user's password.

        Raises:
            UserNotFoundError: No such user.
            WeakPasswordError: The password has fewer than 12 characters.
        """

    @abc.abstractmethod
    def delete_user(self, name: str) -> None:
        """Delete a user with their tokens and grants; raises ``UserNotFoundError``."""

    @abc.abstractmethod
    def verify_password(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (unknown user, no or wrong password).

        Takes the same time whether or not the user exists.
        """

    @abc.abstractmethod
    def create_token(self, user: str, name: str = "", expires: int | None = None) -> NewToken:
        """Create an API token for ``user``; the secret is returned only here.

        Args:
            user: The user the token authenticates as.
            name: What the token is for.
            expires: Expiry time in milliseconds since the epoch, or None.

        Raises:
            UserNotFoundError: No such user.
            InvalidParameterError: The name is too long or ``expires`` is in the past.
        """

    @abc.abstractmethod
    def get_token(self, token_id: str) -> ApiToken:
        """The token with this id; raises ``TokenNotFoundError``."""

    @abc.abstractmethod
    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        """Tokens of ``user`` (all users when None), oldest first, revoked ones included."""

    @abc.abstractmethod
    def revoke_token(self, token_id: str) -> ApiToken:
        """Revoke a token (revoking twice keeps the first time); raises ``TokenNotFoundError``."""

    @abc.abstractmethod
    def authenticate_token(self, secret: str) -> TokenLogin | None:
        """The token and its user when ``secret`` is a valid token, else None.

        Valid means known, not revoked and not expired. Records the use in ``last_used``
        (at most once a minute).
        """

    @abc.abstractmethod
    def set_grant(
        self,
        user: str,
        resource_type: ResourceType,
        resource_id: str,
        permission: GrantPermission,
    ) -> Grant:
        """Give (or change) ``user``'s permission on one resource.

        Raises:
            UserNotFoundError: No such user.
            InvalidParameterError: The resource id is empty or too long.
        """

    @abc.abstractmethod
    def delete_grant(self, user: str, resource_type: ResourceType, resource_id: str) -> None:
        """Remove a grant; raises ``GrantNotFoundError`` (or ``UserNotFoundError``)."""

    @abc.abstractmethod
    def list_grants(
        self,
        user: str | None = None,
        resource_type: ResourceType | None = None,
        resource_id: str | None = None,
    ) -> list[Grant]:
        """Grants matching every filter given, by user, resource type and resource id."""
