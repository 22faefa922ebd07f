"""Who may do what: the decision from a user's role, grants and the request's resources.

Pure functions over entities, no I/O, so that the rules are tested exhaustively on their own
(the semantics are documented in ``docs/server.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from driftloop.server.auth.entities import (
    ApiToken,
    Grant,
    GrantPermission,
    ResourceType,
    Role,
    User,
)
from driftloop.server.routing import Permission

Target = tuple[ResourceType, str]
"""One resource a request touches: ``(experiment, "12")`` or ``(registered_model, "churn")``."""

_ROLE_NEEDED = {
    Permission.READ: Role.READER,
    Permission.EDIT: Role.EDITOR,
    Permission.ADMIN: Role.ADMIN,
}
_GRANT_NEEDED = {
    Permission.READ: GrantPermission.READ,
    Permission.EDIT: GrantPermission.EDIT,
    Permission.ADMIN: GrantPermission.MANAGE,
}


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated caller: the user, their grants and the token used (if any).

    Attributes:
        user: The user.
        grants: Permission per ``(resource type, resource id)``.
        token: The API token the request authenticated with, or None for a password.
    """

    user: User
    grants: Mapping[Target, GrantPermission] = field(default_factory=dict)
    token: ApiToken | None = None

    @classmethod
    def of(cls, user: User, grants: Sequence[Grant], token: ApiToken | None = None) -> Identity:
        """The identity of ``user`` with ``grants`` (grants of other users are ignored)."""
        return cls(
            user=user,
            grants={
                (grant.resource_type, grant.resource_id): grant.permission
                for grant in grants
                if grant.user == user.name
            },
            token=token,
        )

    def granted(self, resource_type: ResourceType) -> frozenset[str]:
        """Ids of the resources of this type the user has any grant on."""
        return frozenset(rid for kind, rid in self.grants if kind is resource_type)


def role_allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` alone allows ``permission`` on every resource."""
    if permission is Permission.PUBLIC:
        return True
    return role.rank >= _ROLE_NEEDED[permission].rank


def grants_allow(identity: Identity, permission: Permission, targets: Sequence[Target]) -> bool:
    """Whether the identity's grants allow ``permission`` on every one of ``targets``.

    No targets (a request that names no resource the grants could apply to) is a refusal.
    """
    if permission is Permission.PUBLIC:
        return True
    needed = _GRANT_NEEDED[permission]
    if not targets:
        return False
    for target in targets:
        held = identity.grants.get(target)
        if held is None or held.rank < needed.rank:
            return False
    return True


def is_allowed(
    identity: Identity, permission: Permission, targets: Sequence[Target] | None
) -> bool:
    """The decision for one request.

    Args:
        identity: The caller.
        permission: The endpoint's declared permission.
        targets: The resources the request touches; None for a ``GLOBAL`` endpoint.

    A ``GLOBAL`` endpoint needs the role, except ``READ`` ones, which every authenticated
    user may call: their handlers filter what they return with ``visible_experiment_ids`` /
    ``visible_model_names``. A resource endpoint needs the role or grants on every target.
    """
    if role_allows(identity.user.role, permission):
        return True
    if targets is None:
        return permission is Permission.READ
    return grants_allow(identity, permission, targets)
