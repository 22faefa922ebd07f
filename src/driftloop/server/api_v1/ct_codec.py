"""Continuous-training entities to native JSON and back (``/api/v1/ct`` and the REST store).

Fields map 1:1 to the attributes of :class:`CtEpisode`, :class:`CtEvent` and :class:`CtLease`;
phases and triggers travel as their string values, times as integer milliseconds. Evidence is
JSON-ready by the stores' own rule (no NaN or infinity), so it travels as it is stored.
Decoding a request is lenient on purpose: an event's fields are handed to the store as sent,
so the store rejects them with its own message and field (``event.evidence['auc']``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.entities import CtEpisode, CtEvent, CtLease, CtPhase, TriggerKind
from driftloop.errors import InvalidParameterError
from driftloop.store.ct_base import CtEventDraft
from driftloop.store.ct_validation import CheckedEvent

JSON = dict[str, Any]


def episode_to_json(episode: CtEpisode) -> JSON:
    """The JSON object of an episode."""
    return episode.to_dict()


def episode_from_json(data: Mapping[str, Any]) -> CtEpisode:
    """The episode of :func:`episode_to_json`'s object."""
    return CtEpisode(
        episode_id=str(data["episode_id"]),
        deployment=str(data["deployment"]),
        phase=CtPhase(data["phase"]),
        trigger=TriggerKind(data["trigger"]),
        evidence=dict(data.get("evidence") or {}),
        pipeline_run_id=_optional_str(data.get("pipeline_run_id")),
        challenger_version=_optional_int(data.get("challenger_version")),
        champion_version=_optional_int(data.get("champion_version")),
        canary_step=int(data["canary_step"]),
        phase_started=int(data["phase_started"]),
        revision=int(data["revision"]),
        created=int(data["created"]),
        updated=int(data["updated"]),
        message=_optional_str(data.get("message")),
    )


def optional_episode_from_json(data: object) -> CtEpisode | None:
    """The episode of an answer's ``episode`` member, or None for ``null``."""
    return None if data is None else episode_from_json(data)  # type: ignore[arg-type]


def event_to_json(event: CtEvent) -> JSON:
    """The JSON object of an event of the CT log."""
    return event.to_dict()


def event_from_json(data: Mapping[str, Any]) -> CtEvent:
    """The event of :func:`event_to_json`'s object."""
    return CtEvent(
        event_id=int(data["event_id"]),
        deployment=str(data["deployment"]),
        episode_id=_optional_str(data.get("episode_id")),
        timestamp=int(data["timestamp"]),
        kind=str(data["kind"]),
        message=str(data.get("message") or ""),
        evidence=dict(data.get("evidence") or {}),
    )


def lease_to_json(lease: CtLease | None) -> JSON | None:
    """The JSON object of a lease, or None."""
    if lease is None:
        return None
    return {
        "name": lease.name,
        "holder": lease.holder,
        "expires": lease.expires,
        "acquired": lease.acquired,
    }


def lease_from_json(data: object) -> CtLease | None:
    """The lease of :func:`lease_to_json`'s object (None for ``null``)."""
    if not isinstance(data, Mapping):
        return None
    return CtLease(
        name=str(data["name"]),
        holder=str(data["holder"]),
        expires=int(data["expires"]),
        acquired=int(data["acquired"]),
    )


def draft_to_json(event: CheckedEvent | None) -> JSON | None:
    """The ``event`` member of a start or advance request (a checked draft), or None."""
    if event is None:
        return None
    return {"kind": event.kind, "message": event.message, "evidence": event.evidence}


def draft_from_request(value: object) -> CtEventDraft | None:
    """The ``event`` member of a request as a draft, each field as sent (the store checks).

    A missing ``message`` is ``""`` and a missing ``evidence`` empty, as in
    :class:`CtEventDraft`.

    Raises:
        InvalidParameterError: ``event`` is neither ``null`` nor an object (``field="event"``).
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"event must be an object with kind, message and evidence, got {type(value).__name__}",
            field="event",
        )
    return CtEventDraft(
        kind=value.get("kind"),  # type: ignore[arg-type]
        message=value.get("message", ""),
        evidence=value.get("evidence"),  # type: ignore[arg-type]
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]
