"""The decision table: roles, grants and GLOBAL endpoints."""

from __future__ import annotations

import pytest

from driftloop.server.auth.entities import Grant, GrantPermission, ResourceType, Role, User
from driftloop.server.auth.permissions import Identity, Target, is_allowed, role_allows
from driftloop.server.routing import Permission

EXP = ResourceType.EXPERIMENT
MODEL = ResourceType.REGISTERED_MODEL


def identity(role: Role, *grants: tuple[ResourceType, str, GrantPermission]) -> Identity:
    user = User(name="u", role=role, created=0)
    return Identity.of(user, [Grant("u", kind, rid, perm) for kind, rid, perm in grants])


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.GUEST, set()),
        (Role.READER, {Permission.READ}),
        (Role.EDITOR, {Permission.READ, Permission.EDIT}),
        (Role.ADMIN, {Permission.READ, Permission.EDIT, Permission.ADMIN}),
    ],
)
def test_roles_are_ordered(role: Role, allowed: set[Permission]) -> None:
    for permission in (Permission.READ, Permission.EDIT, Permission.ADMIN):
        assert role_allows(role, permission) is (permission in allowed)
    assert role_allows(role, Permission.PUBLIC)


@pytest.mark.parametrize(
    ("grant", "permission", "expected"),
    [
        (GrantPermission.READ, Permission.READ, True),
        (GrantPermission.READ, Permission.EDIT, False),
        (GrantPermission.EDIT, Permission.EDIT, True),
        (GrantPermission.EDIT, Permission.ADMIN, False),
        (GrantPermission.MANAGE, Permission.ADMIN, True),
        (GrantPermission.MANAGE, Permission.READ, True),
    ],
)
def test_grants_raise_a_guest_on_their_resource_only(
    grant: GrantPermission, permission: Permission, expected: bool
) -> None:
    guest = identity(Role.GUEST, (EXP, "1", grant))
    assert is_allowed(guest, permission, [(EXP, "1")]) is expected
    assert not is_allowed(guest, permission, [(EXP, "2")])
    assert not is_allowed(guest, permission, [(MODEL, "1")])


def test_every_target_must_be_granted() -> None:
    guest = identity(Role.GUEST, (EXP, "1", GrantPermission.READ))
    targets: list[Target] = [(EXP, "1"), (EXP, "2")]
    assert not is_allowed(guest, Permission.READ, targets)
    assert not is_allowed(guest, Permission.READ, [])


def test_grants_add_to_a_role() -> None:
    reader = identity(Role.READER, (MODEL, "churn", GrantPermission.EDIT))
    assert is_allowed(reader, Permission.READ, [(MODEL, "other")])
    assert is_allowed(reader, Permission.EDIT, [(MODEL, "churn")])
    assert not is_allowed(reader, Permission.EDIT, [(MODEL, "other")])
    assert not is_allowed(reader, Permission.ADMIN, [(MODEL, "churn")])


def test_global_endpoints_need_the_role_except_reads() -> None:
    guest = identity(Role.GUEST, (EXP, "1", GrantPermission.MANAGE))
    assert is_allowed(guest, Permission.READ, None)
    assert not is_allowed(guest, Permission.EDIT, None)
    assert not is_allowed(guest, Permission.ADMIN, None)
    editor = identity(Role.EDITOR)
    assert is_allowed(editor, Permission.EDIT, None)
    assert not is_allowed(editor, Permission.ADMIN, None)
    assert not is_allowed(editor, Permission.ADMIN, [(EXP, "1")])


def test_identity_ignores_grants_of_other_users() -> None:
    user = User(name="u", role=Role.GUEST, created=0)
    found = Identity.of(user, [Grant("other", EXP, "1", GrantPermission.READ)])
    assert found.granted(EXP) == frozenset()
