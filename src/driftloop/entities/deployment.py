"""Deployments: a registered model served behind one name, with an optional challenger."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DeploymentMode(enum.StrEnum):
    """How traffic reaches the challenger.

    ``single``: only the champion scores. ``shadow``: the challenger scores a copy of every
    request after the caller has its answer; its predictions are logged, never returned.
    ``canary``: a deterministic share (``canary_fraction``) of requests, chosen by a hash of
    the request id or the caller's routing key, is answered by the challenger.
    """

    SINGLE = "single"
    SHADOW = "shadow"
    CANARY = "canary"


class DeploymentState(enum.StrEnum):
    """The last lifecycle transition of a deployment.

    ``stable``: the champion alone (created, or challenger cleared). ``challenging``: a
    challenger is set. ``promoted``: the challenger became the champion (the alias moved).
    ``rolled_back``: the challenger was dropped, or a promotion was undone.
    """

    STABLE = "stable"
    CHALLENGING = "challenging"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True, slots=True)
class Deployment:
    """A named serving target for a registered model.

    The champion is not a version number but an alias of the registered model (``champion``
    by default): moving the alias, by hand or by :meth:`DeploymentStore.promote_deployment`,
    is what changes the version served. The challenger is an explicit version.

    Attributes:
        name: Unique deployment name (registry name rules).
        model_name: The registered model it serves.
        champion_alias: The alias whose version answers requests.
        challenger_version: A version run beside the champion, or None.
        mode: How the challenger receives traffic (irrelevant while it is None).
        canary_fraction: Share of requests the challenger answers in ``canary`` mode, 0..1.
        state: The last lifecycle transition.
        previous_champion_version: The version the champion alias pointed at before the last
            promotion (what :meth:`DeploymentStore.rollback_deployment` restores), or None.
        revision: 1 at creation, +1 on every change: a watcher compares revisions.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        description: Free text, or None.
    """

    name: str
    model_name: str
    champion_alias: str
    challenger_version: int | None
    mode: DeploymentMode
    canary_fraction: float
    state: DeploymentState
    previous_champion_version: int | None
    revision: int
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
