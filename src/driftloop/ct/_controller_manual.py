"""Manual retraining requests (``driftloop ct trigger``), kept as events of the CT log.

A request is an event of kind ``manual_request`` without an episode. It is pending until an
episode starts after it: the controller then fires the ``manual`` trigger (which has
priority over every other) and names the request in the episode's evidence. Nothing but the
event log is needed, so a request made while no controller runs waits for the next one.
"""

from __future__ import annotations

from driftloop.entities import CtEpisode, CtEvent
from driftloop.errors import ConflictError
from driftloop.store.ct_base import CtStore

__all__ = ["MANUAL_REQUEST_KIND", "pending_manual_request", "request_manual_trigger"]

MANUAL_REQUEST_KIND = "manual_request"
"""Event kind of a ``driftloop ct trigger`` request."""

_PAGE = 1000


def request_manual_trigger(
    store: CtStore,
    deployment: str,
    *,
    reason: str = "",
    requested_by: str | None = None,
    now: int | None = None,
) -> CtEvent:
    """Ask the deployment's controller to retrain now (it fires at its next tick).

    Raises:
        ConflictError: An episode is in progress (``field="deployment"``): a request would
            only start a second retraining after it, which is rarely what was meant.
        InvalidParameterError: A bad deployment name.
    """
    active = store.get_active_episode(deployment)
    if active is not None:
        raise ConflictError(
            f"episode {active.episode_id} of {deployment!r} is in progress (phase "
            f"{active.phase}); a manual trigger is taken only when no episode is active",
            field="deployment",
        )
    message = reason or "manual retraining requested"
    evidence = {"reason": reason, "requested_by": requested_by}
    return store.append_event(
        deployment, MANUAL_REQUEST_KIND, message=message, evidence=evidence, now=now
    )


def pending_manual_request(
    store: CtStore, deployment: str, latest_episode: CtEpisode | None
) -> CtEvent | None:
    """The newest manual request made after the latest episode started, or None.

    Only events from the latest episode's start on are read: an older request was answered
    by that episode or an earlier one. "After" is by event id (commit order); the episode's
    first event (``trigger_fired``) was written in the transaction that started it.
    """
    since = None if latest_episode is None else latest_episode.created
    episode_start_id: int | None = None
    newest: CtEvent | None = None
    token: str | None = None
    while True:
        page = store.list_events(deployment, since=since, max_results=_PAGE, page_token=token)
        for event in page.items:
            if latest_episode is not None and event.episode_id == latest_episode.episode_id:
                if episode_start_id is None:
                    episode_start_id = event.event_id
            elif event.kind == MANUAL_REQUEST_KIND and event.episode_id is None:
                newest = event
        token = page.next_page_token
        if not token:
            break
    if newest is None or (episode_start_id is not None and newest.event_id < episode_start_id):
        return None
    return newest
