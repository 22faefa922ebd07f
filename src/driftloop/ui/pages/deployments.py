"""Deployments: champion and challenger, traffic split and state; traffic from the log.

Request rate, error rate and latency come from the deployment's inference log (the rows
the scoring servers logged and the requests they failed), per recent time window; see
:mod:`driftloop.ui.inference` for where the server finds the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from driftloop.entities import Deployment, ModelVersion, RegistryEvent
from driftloop.errors import DriftloopError, NotFoundError
from driftloop.server.routing import Call, Endpoint, Permission, Resource
from driftloop.store.sql import SqlStores
from driftloop.ui.inference import LOG_ERRORS, Traffic, read_traffic
from driftloop.ui.page import page
from driftloop.ui.pages.models import model_events
from driftloop.ui.registry import NavEntry
from driftloop.ui.render import render

logger = logging.getLogger("driftloop.ui")

NAV = NavEntry("Deployments", "/deployments", 30)
EVENTS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class DeploymentRow:
    """A deployment with the version its champion alias points at (None if unset)."""

    deployment: Deployment
    champion: ModelVersion | None


def visible_deployments(call: Call) -> list[DeploymentRow]:
    """The deployments of the models the caller may read, with their champions."""
    visible = call.state.authorizer.visible_model_names(call)
    stores = call.state.stores
    return [
        DeploymentRow(d, champion_of(stores, d))
        for d in stores.deployments.list_deployments()
        if visible is None or d.model_name in visible
    ]


def champion_of(stores: SqlStores, deployment: Deployment) -> ModelVersion | None:
    """The version the deployment's champion alias points at, or None when it is unset."""
    try:
        return stores.registry.get_model_version_by_alias(
            deployment.model_name, deployment.champion_alias
        )
    except NotFoundError:
        return None


def deployments(call: Call) -> Response:
    """List the deployments."""
    return render(call, "deployments.html.j2", {"rows": visible_deployments(call)})


def deployment(call: Call) -> Response:
    """One deployment: versions, mode, state, and its recent traffic."""
    name = call.params.required_str("name")
    stores = call.state.stores
    found = stores.deployments.get_deployment(name)
    challenger = None
    if found.challenger_version is not None:
        try:
            challenger = stores.model_versions.get_model_version(
                found.model_name, found.challenger_version
            )
        except NotFoundError:
            challenger = None
    traffic: Traffic | None = None
    traffic_error: str | None = None
    try:
        traffic = read_traffic(call.state.config, found.name)
    except LOG_ERRORS as error:
        traffic_error = _message(error)
    events = [e for e in model_events(stores, found.model_name) if _about(e, found.name)]
    return render(
        call,
        "deployments_view.html.j2",
        {
            "d": found,
            "champion": champion_of(stores, found),
            "challenger": challenger,
            "traffic": traffic,
            "traffic_error": traffic_error,
            "charts": _charts(traffic),
            "events": events[::-1][:EVENTS_SHOWN],
        },
    )


def _charts(traffic: Traffic | None) -> dict[str, dict[str, Any]]:
    """The series ``loop.js`` draws: x in seconds (window starts), oldest first."""
    windows = [] if traffic is None else traffic.windows[::-1]
    x = [w.start_ms / 1000 for w in windows]
    return {
        "rate": {
            "x": x,
            "series": [{"label": "requests/s", "values": [w.rate_per_s for w in windows]}],
        },
        "latency": {
            "x": x,
            "series": [
                {"label": "p50 latency (ms)", "values": [w.p50_ms for w in windows]},
                {"label": "p99 latency (ms)", "values": [w.p99_ms for w in windows], "dash": True},
            ],
        },
    }


def _message(error: Exception) -> str:
    """What to show for a log that cannot be read (a driver's text stays in the log)."""
    if isinstance(error, DriftloopError):
        return str(error)
    logger.warning("cannot read an inference log", exc_info=error)
    return f"the files could not be read ({type(error).__name__}; see the server log)"


def _about(event: RegistryEvent, name: str) -> bool:
    return event.details.get("deployment") == name


PAGES: list[Endpoint] = [
    page("/deployments", deployments),
    page("/deployments/view", deployment, Permission.READ, Resource.DEPLOYMENT),
]
