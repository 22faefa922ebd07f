"""``CtStore`` over the native REST API (``/api/v1/ct``).

Arguments are checked here with the checks every backend shares
(:mod:`driftloop.store.ct_validation`) before anything is sent: a call fails exactly as on a
SQL store (same class, message and field, even for values JSON or a query string could not
carry, such as a ``"1"`` revision, a tuple or a numpy scalar in the evidence), and the body
is always encodable. The server checks everything again and does the work in its SQL store:
compare-and-set, the one-active-episode index and the lease upsert run there, so conflicts
come back as the same :class:`ConflictError` (same ``field``) and a lease held by another as
None. A ``now`` left as None is the server's clock, one clock for every replica.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from driftloop.entities import CtEpisode, CtEvent, CtLease, CtPhase, Page, TriggerKind
from driftloop.server.api_v1.codec import page_from_json
from driftloop.server.api_v1.ct_codec import (
    draft_to_json,
    episode_from_json,
    event_from_json,
    lease_from_json,
    optional_episode_from_json,
)
from driftloop.store.ct_base import (
    CT_EPISODES_MAX_RESULTS_DEFAULT,
    CT_EPISODES_MAX_RESULTS_LIMIT,
    CT_EVENTS_MAX_RESULTS_DEFAULT,
    CT_EVENTS_MAX_RESULTS_LIMIT,
    CtEventDraft,
    CtStore,
)
from driftloop.store.ct_validation import (
    MAX_LEASE_NAME_LENGTH,
    AdvanceRequest,
    StartRequest,
    checked_deployment,
    checked_episode_id,
    checked_event,
    checked_int,
    checked_lease,
    checked_ttl,
)
from driftloop.store.deployment_base import UNCHANGED, _Unchanged
from driftloop.store.monitor_validation import checked_optional_time, checked_text
from driftloop.store.rest.client import RestClient
from driftloop.store.validation import validate_max_results

_MAX_EVENT_ID: Final = 2**63 - 1


class RestCtStore(CtStore):
    """Continuous-training episodes, their event log and leases on a driftloop server.

    Args:
        client: The HTTP client shared by the server's REST stores.
    """

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def start_episode(
        self,
        deployment: str,
        *,
        trigger: TriggerKind | str,
        evidence: Mapping[str, Any] | None = None,
        champion_version: int | None = None,
        event: CtEventDraft | None = None,
        now: int | None = None,
    ) -> CtEpisode:
        """Start an episode in phase ``triggered``, with ``event`` in the same transaction.

        Raises:
            ConflictError: The deployment has a non-terminal episode (``field="deployment"``).
            InvalidParameterError: A field is invalid (field named); nothing is sent.
        """
        request = StartRequest.checked(deployment, trigger, evidence, champion_version, event, now)
        body = {
            "deployment": request.deployment,
            "trigger": request.trigger.value,
            "evidence": request.evidence,
            "champion_version": request.champion_version,
            "event": draft_to_json(request.event),
            "now": None if now is None else request.now,
        }
        return episode_from_json(self._client.post("/ct/episodes/start", body)["episode"])

    def get_episode(self, episode_id: str) -> CtEpisode:
        """Return the episode.

        Raises:
            NotFoundError: No episode has this id.
        """
        data = self._client.get("/ct/episodes/get", {"episode_id": checked_episode_id(episode_id)})
        return episode_from_json(data["episode"])

    def get_active_episode(self, deployment: str) -> CtEpisode | None:
        """The deployment's non-terminal episode, or None."""
        query = {"deployment": checked_deployment(deployment)}
        return optional_episode_from_json(self._client.get("/ct/episodes/active", query)["episode"])

    def advance_episode(
        self,
        episode_id: str,
        *,
        expected_revision: int,
        phase: CtPhase | str | None = None,
        pipeline_run_id: str | _Unchanged | None = UNCHANGED,
        challenger_version: int | _Unchanged | None = UNCHANGED,
        canary_step: int | None = None,
        message: str | _Unchanged | None = UNCHANGED,
        event: CtEventDraft | None = None,
        now: int | None = None,
    ) -> CtEpisode:
        """Compare-and-set the episode on the server (unsent fields stay, None clears).

        Raises:
            NotFoundError: No episode has this id.
            ConflictError: Stale revision, terminal episode, or illegal transition.
            InvalidParameterError: A field is invalid (field named).
        """
        checked_episode_id(episode_id)
        request = AdvanceRequest.checked(
            expected_revision=expected_revision,
            phase=phase,
            pipeline_run_id=pipeline_run_id,
            challenger_version=challenger_version,
            canary_step=canary_step,
            message=message,
            event=event,
            now=now,
        )
        body: dict[str, Any] = {
            "episode_id": episode_id,
            "expected_revision": request.expected_revision,
            "phase": None if request.phase is None else request.phase.value,
            "canary_step": request.canary_step,
            "event": draft_to_json(request.event),
            "now": None if now is None else request.now,
        }
        for name in ("pipeline_run_id", "challenger_version", "message"):
            value = getattr(request, name)
            if not isinstance(value, _Unchanged):
                body[name] = value
        return episode_from_json(self._client.post("/ct/episodes/advance", body)["episode"])

    def list_episodes(
        self,
        deployment: str,
        *,
        max_results: int = CT_EPISODES_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[CtEpisode]:
        """The deployment's episodes, newest first.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by the server.
        """
        query = {
            "deployment": checked_deployment(deployment),
            "max_results": validate_max_results(max_results, CT_EPISODES_MAX_RESULTS_LIMIT),
            "page_token": page_token,
        }
        data = self._client.get("/ct/episodes/list", query)
        return page_from_json(data, "episodes", episode_from_json)

    def append_event(
        self,
        deployment: str,
        kind: str,
        *,
        message: str = "",
        evidence: Mapping[str, Any] | None = None,
        episode_id: str | None = None,
        now: int | None = None,
    ) -> CtEvent:
        """Append one event to the deployment's log.

        Raises:
            NotFoundError: ``episode_id`` names no episode.
            InvalidParameterError: A field is invalid, or the episode is another
                deployment's (field named).
        """
        name = checked_deployment(deployment)
        checked = checked_event(kind, message, evidence)
        body = {
            "deployment": name,
            "kind": checked.kind,
            "message": checked.message,
            "evidence": checked.evidence,
            "now": checked_optional_time(now, "now"),
            "episode_id": None if episode_id is None else checked_episode_id(episode_id),
        }
        return event_from_json(self._client.post("/ct/events/append", body)["event"])

    def list_events(
        self,
        deployment: str,
        *,
        episode_id: str | None = None,
        since: int | None = None,
        after_event_id: int | None = None,
        max_results: int = CT_EVENTS_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[CtEvent]:
        """The deployment's events, oldest first (ascending id = commit order).

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by the server.
        """
        query = {
            "deployment": checked_deployment(deployment),
            "episode_id": None if episode_id is None else checked_episode_id(episode_id),
            "since": checked_optional_time(since, "since"),
            "max_results": validate_max_results(max_results, CT_EVENTS_MAX_RESULTS_LIMIT),
            "after_event_id": (
                None
                if after_event_id is None
                else checked_int(after_event_id, "after_event_id", 0, _MAX_EVENT_ID)
            ),
            "page_token": page_token,
        }
        data = self._client.get("/ct/events/list", query)
        return page_from_json(data, "events", event_from_json)

    def acquire_lease(
        self, name: str, holder: str, *, ttl_ms: int, now: int | None = None
    ) -> CtLease | None:
        """Take, retake after expiry, or renew the lease (one upsert on the server).

        Returns:
            The lease now held by ``holder``, or None when another holder has it.

        Raises:
            InvalidParameterError: A field is invalid (field named).
        """
        name, holder = checked_lease(name, holder)
        body = {
            "name": name,
            "holder": holder,
            "ttl_ms": checked_ttl(ttl_ms),
            "now": checked_optional_time(now, "now"),
        }
        return lease_from_json(self._client.post("/ct/leases/acquire", body)["lease"])

    def release_lease(self, name: str, holder: str) -> bool:
        """Give the lease up; True when ``holder`` held it.

        Raises:
            InvalidParameterError: A field is invalid (field named).
        """
        name, holder = checked_lease(name, holder)
        data = self._client.post("/ct/leases/release", {"name": name, "holder": holder})
        return bool(data["released"])

    def get_lease(self, name: str) -> CtLease | None:
        """The lease as stored, or None.

        Raises:
            InvalidParameterError: The name is invalid.
        """
        query = {"name": checked_text(name, "name", MAX_LEASE_NAME_LENGTH)}
        return lease_from_json(self._client.get("/ct/leases/get", query)["lease"])
