"""Continuous training: per deployment, what the controller did and why, and its policy.

The timeline comes from the CT store: each episode (newest first) with its events in order,
trigger (with its evidence) -> pipeline run -> gates (challenger against champion) -> shadow
-> canary steps -> promoted or rolled back; see :mod:`driftloop.ui.ct_timeline`. The policy
in force is the one the newest ``controller_started`` event recorded.
"""

from __future__ import annotations

from starlette.responses import Response

from driftloop.entities import CtEpisode, CtEvent
from driftloop.server.routing import Call, Endpoint, Permission, Resource
from driftloop.store.sql import SqlStores
from driftloop.ui.ct_timeline import build_timeline, controller_events, policy_in_force
from driftloop.ui.page import page
from driftloop.ui.pages.deployments import visible_deployments
from driftloop.ui.registry import NavEntry
from driftloop.ui.render import render

NAV = NavEntry("Continuous training", "/ct", 50)
EPISODES = 50
"""Episodes shown (the newest)."""
EVENT_PAGES = 10
"""At most this many pages of 10,000 CT events are read for one deployment."""


def ct(call: Call) -> Response:
    """List the deployments with their newest continuous-training episode."""
    store = call.state.stores.ct
    rows: list[tuple[object, CtEpisode | None]] = []
    for row in visible_deployments(call):
        newest = store.list_episodes(row.deployment.name, max_results=1).items
        rows.append((row, newest[0] if newest else None))
    return render(call, "ct.html.j2", {"rows": rows})


def ct_view(call: Call) -> Response:
    """One deployment's episodes, their steps with evidence, and the policy in force."""
    name = call.params.required_str("name")
    stores = call.state.stores
    deployment = stores.deployments.get_deployment(name)
    episodes = stores.ct.list_episodes(deployment.name, max_results=EPISODES)
    events = deployment_events(stores, deployment.name)
    return render(
        call,
        "ct_view.html.j2",
        {
            "d": deployment,
            "timeline": build_timeline(list(episodes), events),
            "more_episodes": episodes.next_page_token is not None,
            "controller": controller_events(events),
            "policy": policy_in_force(events),
        },
    )


def deployment_events(stores: SqlStores, name: str) -> list[CtEvent]:
    """The deployment's CT events, oldest first (at most ``EVENT_PAGES`` pages)."""
    events: list[CtEvent] = []
    token: str | None = None
    for _ in range(EVENT_PAGES):
        found = stores.ct.list_events(name, max_results=10_000, page_token=token)
        events.extend(found)
        token = found.next_page_token
        if token is None:
            break
    return events


PAGES: list[Endpoint] = [
    page("/ct", ct),
    page("/ct/view", ct_view, Permission.READ, Resource.DEPLOYMENT),
]
