"""``/api/v1/ct/*``: the ``CtStore`` methods over HTTP (episodes, their event log, leases).

The server's SQL store does all the work: the compare-and-set on the revision, the
one-active-episode index, the event appended in the same transaction, the lease upsert. So
two controllers on different hosts get exactly the guarantees of two on one database: of
concurrent starts or advances one wins and the others get 409 ``RESOURCE_CONFLICT``
(``error_type`` ``ConflictError``, ``field`` ``deployment`` or ``expected_revision``); a lease
held by another answers ``{"lease": null}``. Every value is handed to the store as sent, so a
bad one answers 400 with the store's own message and ``field``, and writes nothing.

An advance leaves a field it does not send as it is; ``null`` clears ``pipeline_run_id``,
``challenger_version`` or ``message``. A missing ``now`` is the server's clock.

Authorization: episode and event routes are deployment-scoped (``Resource.DEPLOYMENT``: the
``deployment`` sent, or the deployment of the ``episode_id`` sent), so a grant on the
deployment's registered model applies; writes need ``EDIT``. Leases are named freely, so
they are ``GLOBAL``: taking and releasing one needs the editor role (the controller runs as
an editor); reading one the reader role, or for a guest a grant on the model of the
deployment ``<d>`` of the controller's lease ``ct:<d>``.
"""

from __future__ import annotations

from typing import Any

from driftloop.errors import InvalidParameterError, NotFoundError
from driftloop.server.api_v1._args import integer_arg, integer_or, scalar, text
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.api_v1.codec import page_to_json
from driftloop.server.api_v1.ct_codec import (
    draft_from_request,
    episode_to_json,
    event_to_json,
    lease_to_json,
)
from driftloop.server.auth.errors import PermissionDeniedError
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import (
    CT_EPISODES_MAX_RESULTS_DEFAULT,
    CT_EVENTS_MAX_RESULTS_DEFAULT,
    UNCHANGED,
)

CONTROLLER_LEASE_PREFIX = "ct:"
"""The controller's lease of a deployment is ``ct:<deployment>``
(:func:`driftloop.ct._controller_lease.lease_name`)."""


def _present_or(call: Call, name: str, default: Any) -> Any:
    """The scalar ``name`` as sent (``null`` included), or ``default`` when not sent."""
    return scalar(call, name) if name in call.params.raw else default


def start_episode(call: Call) -> dict[str, Any]:
    """Start an episode in phase triggered (409 when one is in progress), with its event."""
    raw = call.params.raw
    episode = call.state.stores.ct.start_episode(
        text(call, "deployment"),
        trigger=scalar(call, "trigger"),
        evidence=raw.get("evidence"),
        champion_version=scalar(call, "champion_version"),
        event=draft_from_request(raw.get("event")),
        now=scalar(call, "now"),
    )
    return {"episode": episode_to_json(episode)}


def get_episode(call: Call) -> dict[str, Any]:
    """Get an episode (404 RESOURCE_DOES_NOT_EXIST if there is none)."""
    return {"episode": episode_to_json(call.state.stores.ct.get_episode(text(call, "episode_id")))}


def get_active_episode(call: Call) -> dict[str, Any]:
    """The deployment's episode that is not terminal, or null."""
    episode = call.state.stores.ct.get_active_episode(text(call, "deployment"))
    return {"episode": None if episode is None else episode_to_json(episode)}


def advance_episode(call: Call) -> dict[str, Any]:
    """Compare-and-set an episode at expected_revision (409 when stale), with its event."""
    episode = call.state.stores.ct.advance_episode(
        text(call, "episode_id"),
        expected_revision=scalar(call, "expected_revision"),
        phase=scalar(call, "phase"),
        pipeline_run_id=_present_or(call, "pipeline_run_id", UNCHANGED),
        challenger_version=_present_or(call, "challenger_version", UNCHANGED),
        canary_step=scalar(call, "canary_step"),
        message=_present_or(call, "message", UNCHANGED),
        event=draft_from_request(call.params.raw.get("event")),
        now=scalar(call, "now"),
    )
    return {"episode": episode_to_json(episode)}


def list_episodes(call: Call) -> dict[str, Any]:
    """List a deployment's episodes, newest first."""
    page = call.state.stores.ct.list_episodes(
        text(call, "deployment"),
        max_results=integer_or(call, "max_results", CT_EPISODES_MAX_RESULTS_DEFAULT),
        page_token=scalar(call, "page_token"),
    )
    return page_to_json("episodes", [episode_to_json(e) for e in page], page.next_page_token)


def append_event(call: Call) -> dict[str, Any]:
    """Append one event to a deployment's CT log (e.g. a manual_request)."""
    event = call.state.stores.ct.append_event(
        text(call, "deployment"),
        text(call, "kind"),
        message=_present_or(call, "message", ""),
        evidence=call.params.raw.get("evidence"),
        episode_id=scalar(call, "episode_id"),
        now=scalar(call, "now"),
    )
    return {"event": event_to_json(event)}


def list_events(call: Call) -> dict[str, Any]:
    """List a deployment's CT events, oldest first (after_event_id tails the log)."""
    page = call.state.stores.ct.list_events(
        text(call, "deployment"),
        episode_id=scalar(call, "episode_id"),
        since=integer_arg(call, "since"),
        after_event_id=integer_arg(call, "after_event_id"),
        max_results=integer_or(call, "max_results", CT_EVENTS_MAX_RESULTS_DEFAULT),
        page_token=scalar(call, "page_token"),
    )
    return page_to_json("events", [event_to_json(e) for e in page], page.next_page_token)


def acquire_lease(call: Call) -> dict[str, Any]:
    """Take, retake after expiry or renew a lease; null when another holder has it."""
    lease = call.state.stores.ct.acquire_lease(
        text(call, "name"),
        text(call, "holder"),
        ttl_ms=scalar(call, "ttl_ms"),
        now=scalar(call, "now"),
    )
    return {"lease": lease_to_json(lease)}


def release_lease(call: Call) -> dict[str, Any]:
    """Give a lease up; released is true when the holder had it."""
    released = call.state.stores.ct.release_lease(text(call, "name"), text(call, "holder"))
    return {"released": released}


def get_lease(call: Call) -> dict[str, Any]:
    """Get a lease as stored (expired when expires <= now), or null."""
    name = text(call, "name")
    _require_visible_lease(call, name)
    return {"lease": lease_to_json(call.state.stores.ct.get_lease(name))}


def _require_visible_lease(call: Call, name: object) -> None:
    """Refuse a caller limited to granted models the leases of other deployments.

    Such a caller (a guest) reads only ``ct:<deployment>``, the controller's lease of a
    deployment whose registered model they hold a grant on (what ``driftloop ct status``
    shows); anything else is refused without telling whether it exists.
    """
    visible = call.state.authorizer.visible_model_names(call)
    if visible is None:
        return
    model_name: str | None = None
    if isinstance(name, str) and name.startswith(CONTROLLER_LEASE_PREFIX):
        deployment = name.removeprefix(CONTROLLER_LEASE_PREFIX)
        try:
            model_name = call.state.stores.deployments.get_deployment(deployment).model_name
        except (NotFoundError, InvalidParameterError):
            model_name = None
    if model_name is None or model_name not in visible:
        raise PermissionDeniedError(
            f"user {call.principal!r} lacks read permission for lease {name!r}"
        )


_READ = Permission.READ
_EDIT = Permission.EDIT
_D = Resource.DEPLOYMENT
ENDPOINTS: list[Endpoint] = with_typed_errors(
    [
        endpoint("/ct/episodes/start", "POST", start_episode, _EDIT, _D),
        endpoint("/ct/episodes/get", "GET", get_episode, _READ, _D),
        endpoint("/ct/episodes/active", "GET", get_active_episode, _READ, _D),
        endpoint("/ct/episodes/advance", "POST", advance_episode, _EDIT, _D),
        endpoint("/ct/episodes/list", "GET", list_episodes, _READ, _D),
        endpoint("/ct/events/append", "POST", append_event, _EDIT, _D),
        endpoint("/ct/events/list", "GET", list_events, _READ, _D),
        endpoint("/ct/leases/acquire", "POST", acquire_lease, _EDIT),
        endpoint("/ct/leases/release", "POST", release_lease, _EDIT),
        endpoint("/ct/leases/get", "GET", get_lease, _READ),
    ]
)
