"""Contract suite for :class:`~driftloop.server.auth.store.AuthStore`, for every backend.

Subclass :class:`AuthStoreContract` in a test module (name starting with ``Test``) and provide
an ``auth_store`` fixture. Tests use uniquely named users, so backends may share a database.
"""

# ruff: noqa: S101, S105

from __future__ import annotations

import pytest

from driftloop.errors import AlreadyExistsError, InvalidParameterError
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.errors import (
    GrantNotFoundError,
    TokenNotFoundError,
    UserNotFoundError,
    WeakPasswordError,
)
from driftloop.server.auth.store import AuthStore
from driftloop.store.sql.ids import now_ms
from driftloop.testing.helpers import unique_name, wait_next_millisecond

PASSWORD = "correct horse battery"
EXPERIMENT = ResourceType.EXPERIMENT
MODEL = ResourceType.REGISTERED_MODEL


class AuthStoreContract:
    """Users, passwords, tokens and grants behave the same on every backend."""

    def test_user_create_get_and_list(self, auth_store: AuthStore) -> None:
        """A created user is found by name and listed in name order."""
        second, first = unique_name("zu"), unique_name("au")
        created = auth_store.create_user(second, Role.EDITOR, PASSWORD)
        auth_store.create_user(first, Role.GUEST)
        assert auth_store.get_user(second) == created
        assert created.role is Role.EDITOR
        assert created.has_password
        assert not auth_store.get_user(first).has_password
        names = [user.name for user in auth_store.list_users()]
        assert names.index(first) < names.index(second)

    def test_user_duplicate_name_is_refused(self, auth_store: AuthStore) -> None:
        """Names are unique."""
        name = unique_name("dup")
        auth_store.create_user(name, Role.READER, PASSWORD)
        with pytest.raises(AlreadyExistsError, match="already exists"):
            auth_store.create_user(name, Role.ADMIN, PASSWORD)
        assert auth_store.get_user(name).role is Role.READER

    @pytest.mark.parametrize("name", ["", "a:b", " padded", "tab\tname", "x" * 257])
    def test_user_bad_name_is_refused(self, auth_store: AuthStore, name: str) -> None:
        """Empty names, colons (HTTP Basic), padding, control characters and long names."""
        with pytest.raises(InvalidParameterError, match="name"):
            auth_store.create_user(name, Role.READER, PASSWORD)

    def test_user_unknown_role_is_refused(self, auth_store: AuthStore) -> None:
        """Roles are checked."""
        with pytest.raises(InvalidParameterError, match="unknown role 'root'"):
            auth_store.create_user(unique_name("r"), "root", PASSWORD)  # type: ignore[arg-type]

    @pytest.mark.parametrize("password", ["", "short", "           x", "elevenchars"])
    def test_user_weak_password_is_refused(self, auth_store: AuthStore, password: str) -> None:
        """Empty passwords and passwords under 12 characters are refused."""
        name = unique_name("weak")
        with pytest.raises(WeakPasswordError, match="at least 12"):
            auth_store.create_user(name, Role.READER, password)
        with pytest.raises(UserNotFoundError, match="does not exist"):
            auth_store.get_user(name)

    def test_password_verification(self, auth_store: AuthStore) -> None:
        """Only the right password of a user with a password verifies."""
        name, tokens_only = unique_name("pw"), unique_name("svc")
        auth_store.create_user(name, Role.READER, PASSWORD)
        auth_store.create_user(tokens_only, Role.READER)
        verified = auth_store.verify_password(name, PASSWORD)
        assert verified is not None
        assert verified.name == name
        assert auth_store.verify_password(name, PASSWORD + "!") is None
        assert auth_store.verify_password(name, "") is None
        assert auth_store.verify_password(unique_name("nobody"), PASSWORD) is None
        assert auth_store.verify_password(tokens_only, "") is None

    def test_password_and_role_changes(self, auth_store: AuthStore) -> None:
        """A new password replaces the old one; None removes it; roles change."""
        name = unique_name("chg")
        auth_store.create_user(name, Role.READER, PASSWORD)
        auth_store.set_user_password(name, "another long password")
        assert auth_store.verify_password(name, PASSWORD) is None
        assert auth_store.verify_password(name, "another long password") is not None
        with pytest.raises(WeakPasswordError, match="at least 12"):
            auth_store.set_user_password(name, "short")
        auth_store.set_user_password(name, None)
        assert auth_store.verify_password(name, "another long password") is None
        assert auth_store.set_user_role(name, Role.ADMIN).role is Role.ADMIN
        assert auth_store.get_user(name).role is Role.ADMIN

    def test_missing_user_raises(self, auth_store: AuthStore) -> None:
        """Every per-user method names the missing user."""
        name = unique_name("ghost")
        with pytest.raises(UserNotFoundError, match=name):
            auth_store.get_user(name)
        with pytest.raises(UserNotFoundError, match=name):
            auth_store.set_user_role(name, Role.READER)
        with pytest.raises(UserNotFoundError, match=name):
            auth_store.delete_user(name)
        with pytest.raises(UserNotFoundError, match=name):
            auth_store.create_token(name)
        with pytest.raises(UserNotFoundError, match=name):
            auth_store.set_grant(name, EXPERIMENT, "1", GrantPermission.READ)

    def test_token_authenticates_its_user(self, auth_store: AuthStore) -> None:
        """The secret is shown once, prefixed ``dl_``; it authenticates and records use."""
        name = unique_name("tok")
        auth_store.create_user(name, Role.EDITOR)
        created = auth_store.create_token(name, "ci")
        assert created.secret.startswith("dl_")
        assert len(created.secret) >= 40
        assert created.secret not in repr(created)
        assert created.token.user == name
        login = auth_store.authenticate_token(created.secret)
        assert login is not None
        assert login.user.name == name
        assert login.user.role is Role.EDITOR
        assert login.token.token_id == created.token.token_id
        assert login.token.last_used is not None
        assert auth_store.get_token(created.token.token_id).last_used == login.token.last_used
        assert auth_store.authenticate_token(created.secret + "x") is None
        assert auth_store.authenticate_token("dl_" + "A" * 43) is None

    def test_token_revoked_or_expired_does_not_authenticate(self, auth_store: AuthStore) -> None:
        """Revocation is permanent (the first time is kept); expired tokens fail."""
        name = unique_name("rev")
        auth_store.create_user(name, Role.READER)
        revoked = auth_store.create_token(name)
        first = auth_store.revoke_token(revoked.token.token_id)
        assert first.revoked is not None
        assert auth_store.revoke_token(revoked.token.token_id).revoked == first.revoked
        assert auth_store.authenticate_token(revoked.secret) is None
        expired = auth_store.create_token(name, expires=now_ms() - 1)
        assert auth_store.authenticate_token(expired.secret) is None
        valid = auth_store.create_token(name, expires=now_ms() + 60_000)
        assert auth_store.authenticate_token(valid.secret) is not None

    def test_token_list_get_and_missing(self, auth_store: AuthStore) -> None:
        """Tokens list by user, oldest first; unknown ids raise."""
        alice, bob = unique_name("alice"), unique_name("bob")
        auth_store.create_user(alice, Role.READER)
        auth_store.create_user(bob, Role.READER)
        first = auth_store.create_token(alice, "one").token
        wait_next_millisecond()  # "oldest first" is by creation millisecond
        second = auth_store.create_token(alice, "two").token
        other = auth_store.create_token(bob).token
        assert [t.token_id for t in auth_store.list_tokens(alice)] == [
            first.token_id,
            second.token_id,
        ]
        every = {t.token_id for t in auth_store.list_tokens()}
        assert {first.token_id, second.token_id, other.token_id} <= every
        assert auth_store.get_token(first.token_id) == first
        with pytest.raises(TokenNotFoundError, match="nope"):
            auth_store.get_token("nope")
        with pytest.raises(TokenNotFoundError, match="nope"):
            auth_store.revoke_token("nope")

    def test_grants_set_update_list_delete(self, auth_store: AuthStore) -> None:
        """Setting a grant twice updates it; filters combine; deleting twice raises."""
        alice, bob = unique_name("ga"), unique_name("gb")
        model = unique_name("model")
        auth_store.create_user(alice, Role.GUEST)
        auth_store.create_user(bob, Role.GUEST)
        auth_store.set_grant(alice, EXPERIMENT, "7", GrantPermission.READ)
        updated = auth_store.set_grant(alice, EXPERIMENT, "7", GrantPermission.EDIT)
        assert updated.permission is GrantPermission.EDIT
        auth_store.set_grant(alice, MODEL, model, GrantPermission.MANAGE)
        auth_store.set_grant(bob, MODEL, model, GrantPermission.READ)
        mine = auth_store.list_grants(alice)
        assert [(g.resource_type, g.resource_id, g.permission) for g in mine] == [
            (EXPERIMENT, "7", GrantPermission.EDIT),
            (MODEL, model, GrantPermission.MANAGE),
        ]
        on_model = auth_store.list_grants(resource_type=MODEL, resource_id=model)
        assert sorted(g.user for g in on_model) == sorted([alice, bob])
        auth_store.delete_grant(alice, EXPERIMENT, "7")
        with pytest.raises(GrantNotFoundError, match="no grant"):
            auth_store.delete_grant(alice, EXPERIMENT, "7")
        assert [g.resource_type for g in auth_store.list_grants(alice)] == [MODEL]

    def test_grant_bad_values_are_refused(self, auth_store: AuthStore) -> None:
        """Resource types, permissions and resource ids are checked."""
        name = unique_name("gbad")
        auth_store.create_user(name, Role.GUEST)
        with pytest.raises(InvalidParameterError, match="unknown resource type"):
            auth_store.set_grant(name, "run", "1", GrantPermission.READ)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="unknown permission"):
            auth_store.set_grant(name, EXPERIMENT, "1", "own")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="resource_id"):
            auth_store.set_grant(name, EXPERIMENT, "", GrantPermission.READ)

    def test_delete_user_removes_tokens_and_grants(self, auth_store: AuthStore) -> None:
        """A deleted user's tokens stop working and their grants disappear."""
        name = unique_name("del")
        auth_store.create_user(name, Role.ADMIN, PASSWORD)
        created = auth_store.create_token(name)
        auth_store.set_grant(name, EXPERIMENT, "1", GrantPermission.READ)
        auth_store.delete_user(name)
        assert auth_store.authenticate_token(created.secret) is None
        assert auth_store.verify_password(name, PASSWORD) is None
        remaining = auth_store.list_grants(resource_type=EXPERIMENT, resource_id="1")
        assert all(grant.user != name for grant in remaining)
        with pytest.raises(TokenNotFoundError, match=created.token.token_id):
            auth_store.get_token(created.token.token_id)
        auth_store.create_user(name, Role.READER, PASSWORD)
        assert auth_store.list_tokens(name) == []
        assert auth_store.list_grants(name) == []
