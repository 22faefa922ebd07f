"""``/api/v1/deployments/*``: the ``DeploymentStore`` methods, and the deployment wire format.

Reads need read permission and changes edit permission on the deployment's registered model
(``Resource.DEPLOYMENT``; creating one checks the ``model_name`` sent). An update leaves a
field it does not send as it is; ``null`` clears the challenger or the description.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.entities import Deployment, DeploymentMode, DeploymentState
from driftloop.server.api_v1._args import actor, scalar, text
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import UNCHANGED

_UPDATABLE = ("challenger_version", "mode", "canary_fraction", "description")


def deployment_to_json(deployment: Deployment) -> dict[str, Any]:
    """The native JSON of a deployment (fields as the entity's attributes)."""
    return {
        "name": deployment.name,
        "model_name": deployment.model_name,
        "champion_alias": deployment.champion_alias,
        "challenger_version": deployment.challenger_version,
        "mode": deployment.mode.value,
        "canary_fraction": deployment.canary_fraction,
        "state": deployment.state.value,
        "previous_champion_version": deployment.previous_champion_version,
        "revision": deployment.revision,
        "creation_timestamp": deployment.creation_timestamp,
        "last_updated_timestamp": deployment.last_updated_timestamp,
        "description": deployment.description,
    }


def deployment_from_json(data: Mapping[str, Any]) -> Deployment:
    """A deployment from its native JSON."""
    challenger = data.get("challenger_version")
    previous = data.get("previous_champion_version")
    return Deployment(
        name=str(data["name"]),
        model_name=str(data["model_name"]),
        champion_alias=str(data["champion_alias"]),
        challenger_version=None if challenger is None else int(challenger),
        mode=DeploymentMode(data["mode"]),
        canary_fraction=float(data["canary_fraction"]),
        state=DeploymentState(data["state"]),
        previous_champion_version=None if previous is None else int(previous),
        revision=int(data["revision"]),
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        description=data.get("description"),
    )


def _answer(deployment: Deployment) -> dict[str, Any]:
    return {"deployment": deployment_to_json(deployment)}


def create_deployment(call: Call) -> dict[str, Any]:
    """Create a deployment of a registered model, served through its champion alias."""
    champion_alias = scalar(call, "champion_alias")
    deployment = call.state.stores.deployments.create_deployment(
        scalar(call, "name", required=True),
        scalar(call, "model_name", required=True),
        champion_alias="champion" if champion_alias is None else champion_alias,
        description=scalar(call, "description"),
        actor=actor(call),
    )
    return _answer(deployment)


def get_deployment(call: Call) -> dict[str, Any]:
    """Get a deployment (404 RESOURCE_DOES_NOT_EXIST if there is none)."""
    return _answer(call.state.stores.deployments.get_deployment(text(call, "name")))


def list_deployments(call: Call) -> dict[str, Any]:
    """List deployments sorted by name, optionally of one registered model."""
    items = call.state.stores.deployments.list_deployments(call.params.string("model_name"))
    visible = call.state.authorizer.visible_model_names(call)
    return {
        "deployments": [
            deployment_to_json(d) for d in items if visible is None or d.model_name in visible
        ]
    }


def update_deployment(call: Call) -> dict[str, Any]:
    """Change the challenger, mode, canary fraction or description; absent fields stay."""
    sent = {key: scalar(call, key) for key in _UPDATABLE if key in call.params.raw}
    deployment = call.state.stores.deployments.update_deployment(
        text(call, "name"),
        challenger_version=sent.get("challenger_version", UNCHANGED),
        mode=sent.get("mode"),
        canary_fraction=sent.get("canary_fraction"),
        description=sent.get("description", UNCHANGED),
        actor=actor(call),
    )
    return _answer(deployment)


def promote_deployment(call: Call) -> dict[str, Any]:
    """Move the champion alias to the challenger (409 RESOURCE_CONFLICT without one)."""
    deployment = call.state.stores.deployments.promote_deployment(
        text(call, "name"), actor=actor(call)
    )
    return _answer(deployment)


def rollback_deployment(call: Call) -> dict[str, Any]:
    """Drop the challenger, else move the champion alias back (409 if nothing to undo)."""
    deployment = call.state.stores.deployments.rollback_deployment(
        text(call, "name"), actor=actor(call)
    )
    return _answer(deployment)


def delete_deployment(call: Call) -> dict[str, Any]:
    """Delete a deployment; its model, versions and aliases stay."""
    call.state.stores.deployments.delete_deployment(text(call, "name"), actor=actor(call))
    return {}


_D = Resource.DEPLOYMENT
_EDIT = Permission.EDIT
ENDPOINTS: list[Endpoint] = with_typed_errors(
    [
        endpoint(
            "/deployments/create", "POST", create_deployment, _EDIT, Resource.DEPLOYMENT_MODEL
        ),
        endpoint("/deployments/get", "GET", get_deployment, Permission.READ, _D),
        endpoint("/deployments/list", "GET", list_deployments, Permission.READ),
        endpoint("/deployments/update", "POST", update_deployment, _EDIT, _D),
        endpoint("/deployments/promote", "POST", promote_deployment, _EDIT, _D),
        endpoint("/deployments/rollback", "POST", rollback_deployment, _EDIT, _D),
        endpoint("/deployments/delete", "POST", delete_deployment, _EDIT, _D),
    ]
)
