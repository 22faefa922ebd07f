"""``/api/v1/deployments/*``: the ``DeploymentStore`` methods, and the deployment wire format.

Reads need read permission and changes edit permission on the deployment's registered model
(``Resource.DEPLOYMENT``; creating one checks the ``model_name`` sent). An update leaves a
field it does not send as it is; ``null`` clears the challenger or the description.
"""

from __future__ import annotations

from typing import Any

from driftloop.entities import Deployment
from driftloop.server.api_v1._args import actor, scalar, text
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.api_v1.codec import deployment_to_json
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import UNCHANGED

_UPDATABLE = ("challenger_version", "mode", "canary_fraction", "description")


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
