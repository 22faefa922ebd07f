"""Continuous-training argument checks and episode rules shared by every :class:`CtStore`.

Each check raises :class:`InvalidParameterError` naming the field (``evidence['psi']``)
before any store is touched. :func:`planned_changes` applies the state machine's rules to an
episode as read inside the store's transaction: terminal episodes never change, the
revision must match, phases move only along :data:`~driftloop.entities.CT_TRANSITIONS`.
"""

from __future__ import annotations

import json
import math
import numbers
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from driftloop.entities import CT_TRANSITIONS, CtEpisode, CtPhase, TriggerKind
from driftloop.errors import ConflictError, InvalidParameterError
from driftloop.store.ct_base import CtEventDraft
from driftloop.store.deployment_base import _Unchanged
from driftloop.store.monitor_validation import (
    MAX_DEPLOYMENT_LENGTH,
    checked_model_version,
    checked_text,
    checked_time,
)

MAX_MESSAGE_LENGTH: Final = 10_000
MAX_EVIDENCE_LENGTH: Final = 1_000_000
"""Characters of the evidence as compact JSON."""
MAX_EVIDENCE_DEPTH: Final = 32
MAX_LEASE_NAME_LENGTH: Final = 256
MAX_HOLDER_LENGTH: Final = 256
MAX_RUN_ID_LENGTH: Final = 64
MAX_CANARY_STEP: Final = 1000
MAX_LEASE_TTL_MS: Final = 86_400_000
MAX_REVISION: Final = 2**31 - 1
MAX_EVIDENCE_INTEGER: Final = 2**63 - 1
_KIND: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")


def checked_deployment(value: object, field: str = "deployment") -> str:
    """A deployment name: non-blank, at most 256 characters."""
    return checked_text(value, field, MAX_DEPLOYMENT_LENGTH)


def checked_episode_id(value: object) -> str:
    """An episode id: a non-empty string (an unknown one is the store's NotFoundError)."""
    if not isinstance(value, str) or not value:
        raise InvalidParameterError(
            f"episode_id must be a non-empty string, got {value!r}", field="episode_id"
        )
    return value


def checked_now(value: object) -> int:
    """``now`` as milliseconds since the epoch; None is the wall clock."""
    return time.time_ns() // 1_000_000 if value is None else checked_time(value, "now")


def checked_trigger(value: object) -> TriggerKind:
    """One of :class:`TriggerKind`'s values."""
    if isinstance(value, str) and value in _values(TriggerKind):
        return TriggerKind(value)
    names = ", ".join(_values(TriggerKind))
    raise InvalidParameterError(f"unknown trigger {value!r} (use one of {names})", field="trigger")


def checked_phase(value: object) -> CtPhase:
    """One of :class:`CtPhase`'s values."""
    if isinstance(value, str) and value in _values(CtPhase):
        return CtPhase(value)
    names = ", ".join(_values(CtPhase))
    raise InvalidParameterError(f"unknown phase {value!r} (use one of {names})", field="phase")


def checked_kind(value: object, field: str = "kind") -> str:
    """An event kind: lowercase letters, digits and ``_``, starting with a letter."""
    if not isinstance(value, str) or not _KIND.fullmatch(value):
        raise InvalidParameterError(
            f"{field} must match [a-z][a-z0-9_]* (at most 64 characters), got {value!r}",
            field=field,
        )
    return value


def checked_message(value: object, field: str = "message") -> str:
    """Free text of at most 10,000 characters, without NUL (empty is allowed)."""
    if not isinstance(value, str):
        raise InvalidParameterError(f"{field} must be a string, got {value!r}", field=field)
    if len(value) > MAX_MESSAGE_LENGTH:
        raise InvalidParameterError(
            f"{field} is {len(value)} characters long; the limit is {MAX_MESSAGE_LENGTH}",
            field=field,
        )
    if "\x00" in value:
        raise InvalidParameterError(f"{field} must not contain NUL characters", field=field)
    return value


def checked_int(value: object, field: str, low: int, high: int) -> int:
    """An integer (not a bool) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameterError(
            f"{field} must be an integer in {low}..{high}, got {value!r}", field=field
        )
    return value


def checked_ttl(value: object) -> int:
    """A lease duration: 1 ms to one day."""
    return checked_int(value, "ttl_ms", 1, MAX_LEASE_TTL_MS)


def checked_lease(name: object, holder: object) -> tuple[str, str]:
    """A lease name and a holder: non-blank strings of at most 256 characters."""
    return (
        checked_text(name, "name", MAX_LEASE_NAME_LENGTH),
        checked_text(holder, "holder", MAX_HOLDER_LENGTH),
    )


def checked_evidence(value: object, field: str = "evidence") -> dict[str, Any]:
    """A JSON-ready copy of a mapping: strings, finite numbers, booleans, None, lists, dicts.

    Tuples become lists; numeric types and numpy scalars (``numpy.bool_`` included) become
    ``bool``/``int``/``float``.

    Raises:
        InvalidParameterError: A value is NaN, infinite, an integer beyond 64 bits, or of
            another type; a key is not a string; too deep or too large (``field`` names the
            value, e.g. ``evidence['scores'][2]``).
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"{field} must be a mapping, got {type(value).__name__}", field=field
        )
    ready: dict[str, Any] = _json_ready(value, field, 0)
    size = len(json.dumps(ready, separators=(",", ":")))
    if size > MAX_EVIDENCE_LENGTH:
        raise InvalidParameterError(
            f"{field} is {size} characters as JSON; the limit is {MAX_EVIDENCE_LENGTH}",
            field=field,
        )
    return ready


def _json_ready(value: object, where: str, depth: int) -> Any:
    if depth > MAX_EVIDENCE_DEPTH:
        raise InvalidParameterError(
            f"{where} nests deeper than {MAX_EVIDENCE_DEPTH} levels", field=where
        )
    if isinstance(value, Mapping):
        ready: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidParameterError(
                    f"{where} has a key that is not a string: {key!r}", field=where
                )
            ready[str(key)] = _json_ready(item, f"{where}[{key!r}]", depth + 1)
        return ready
    if isinstance(value, list | tuple):
        return [_json_ready(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if getattr(value, "shape", None) == () and hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    return _json_scalar(value, where)


def _json_scalar(value: object, where: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass (numpy.str_, an enum) as a plain str
    if isinstance(value, numbers.Integral):
        number = int(value)
        if abs(number) > MAX_EVIDENCE_INTEGER:
            raise InvalidParameterError(f"{where} does not fit in 64 bits", field=where)
        return number
    if isinstance(value, numbers.Real):
        real = float(value)
        if not math.isfinite(real):
            raise InvalidParameterError(
                f"{where} must be finite (JSON has no NaN or infinity), got {real!r}",
                field=where,
            )
        return real
    raise InvalidParameterError(
        f"{where} must be a string, number, boolean, None, list or mapping, got "
        f"{type(value).__name__}",
        field=where,
    )


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    """An event's checked kind, message and evidence."""

    kind: str
    message: str
    evidence: dict[str, Any]


def checked_event(
    kind: object, message: object, evidence: object, prefix: str = ""
) -> CheckedEvent:
    """Check an event's parts; ``prefix`` (e.g. ``event.``) goes before each field name."""
    return CheckedEvent(
        kind=checked_kind(kind, f"{prefix}kind"),
        message=checked_message(message, f"{prefix}message"),
        evidence=checked_evidence(evidence, f"{prefix}evidence"),
    )


def checked_draft(event: object) -> CheckedEvent | None:
    """The ``event`` argument of ``start_episode``/``advance_episode``: None or a draft."""
    if event is None:
        return None
    if not isinstance(event, CtEventDraft):
        raise InvalidParameterError(
            f"event must be a CtEventDraft, got {type(event).__name__}", field="event"
        )
    return checked_event(event.kind, event.message, event.evidence, "event.")


@dataclass(frozen=True, slots=True)
class StartRequest:
    """The checked arguments of ``start_episode``."""

    deployment: str
    trigger: TriggerKind
    evidence: dict[str, Any]
    champion_version: int | None
    event: CheckedEvent | None
    now: int

    @classmethod
    def checked(
        cls,
        deployment: object,
        trigger: object,
        evidence: object,
        champion_version: object,
        event: object,
        now: object,
    ) -> StartRequest:
        """Check every argument.

        Raises:
            InvalidParameterError: A field is invalid (``field`` names it).
        """
        return cls(
            deployment=checked_deployment(deployment),
            trigger=checked_trigger(trigger),
            evidence=checked_evidence(evidence),
            champion_version=checked_model_version(champion_version, "champion_version"),
            event=checked_draft(event),
            now=checked_now(now),
        )


@dataclass(frozen=True, slots=True)
class AdvanceRequest:
    """The checked arguments of ``advance_episode`` (``_Unchanged``/None: leave as is)."""

    expected_revision: int
    phase: CtPhase | None
    pipeline_run_id: str | _Unchanged | None
    challenger_version: int | _Unchanged | None
    canary_step: int | None
    message: str | _Unchanged | None
    event: CheckedEvent | None
    now: int

    @classmethod
    def checked(
        cls,
        *,
        expected_revision: object,
        phase: object,
        pipeline_run_id: object,
        challenger_version: object,
        canary_step: object,
        message: object,
        event: object,
        now: object,
    ) -> AdvanceRequest:
        """Check every argument.

        Raises:
            InvalidParameterError: A field is invalid (``field`` names it).
        """
        run_id: str | _Unchanged | None = None
        if isinstance(pipeline_run_id, _Unchanged):
            run_id = pipeline_run_id
        elif pipeline_run_id is not None:
            run_id = checked_text(pipeline_run_id, "pipeline_run_id", MAX_RUN_ID_LENGTH)
        challenger: int | _Unchanged | None = (
            challenger_version
            if isinstance(challenger_version, _Unchanged)
            else checked_model_version(challenger_version, "challenger_version")
        )
        text: str | _Unchanged | None = None
        if isinstance(message, _Unchanged):
            text = message
        elif message is not None:
            text = checked_message(message)
        return cls(
            expected_revision=checked_int(expected_revision, "expected_revision", 1, MAX_REVISION),
            phase=None if phase is None else checked_phase(phase),
            pipeline_run_id=run_id,
            challenger_version=challenger,
            canary_step=(
                None
                if canary_step is None
                else checked_int(canary_step, "canary_step", 0, MAX_CANARY_STEP)
            ),
            message=text,
            event=checked_draft(event),
            now=checked_now(now),
        )


def planned_changes(episode: CtEpisode, request: AdvanceRequest) -> dict[str, Any]:
    """The episode fields the request changes (empty: nothing changes).

    Raises:
        ConflictError: The episode is terminal, its revision is not the expected one, or its
            phase cannot move to the requested one.
        InvalidParameterError: The canary step is set outside phase ``canary``, or phase
            ``canary`` is entered without a step.
    """
    _check_state(episode, request)
    changes: dict[str, Any] = {}
    phase = episode.phase if request.phase is None else request.phase
    if phase is not episode.phase:
        changes["phase"] = phase
    if request.canary_step is not None and request.canary_step != episode.canary_step:
        if phase is not CtPhase.CANARY:
            raise InvalidParameterError(
                f"canary_step can change only in phase 'canary', not {phase.value!r}",
                field="canary_step",
            )
        changes["canary_step"] = request.canary_step
    if phase is CtPhase.CANARY and changes.get("canary_step", episode.canary_step) < 0:
        raise InvalidParameterError(
            "entering phase 'canary' needs canary_step (0 for the first step)",
            field="canary_step",
        )
    if "phase" in changes or "canary_step" in changes:
        changes["phase_started"] = request.now
    for name in ("pipeline_run_id", "challenger_version", "message"):
        value = getattr(request, name)
        if not isinstance(value, _Unchanged) and value != getattr(episode, name):
            changes[name] = value
    return changes


def _check_state(episode: CtEpisode, request: AdvanceRequest) -> None:
    if episode.phase.terminal:
        raise ConflictError(
            f"episode {episode.episode_id!r} is {episode.phase.value} (terminal); it cannot "
            "change any more",
            field="episode_id",
        )
    if episode.revision != request.expected_revision:
        raise ConflictError(
            f"episode {episode.episode_id!r} is at revision {episode.revision}, not "
            f"{request.expected_revision}: it changed meanwhile; read it again",
            field="expected_revision",
        )
    target = request.phase
    if target is None or target is episode.phase or target in CT_TRANSITIONS[episode.phase]:
        return
    allowed = ", ".join(sorted(p.value for p in CT_TRANSITIONS[episode.phase]))
    raise ConflictError(
        f"episode {episode.episode_id!r} cannot move from {episode.phase.value!r} to "
        f"{target.value!r} (allowed: {allowed})",
        field="phase",
    )


def _values(kind: type[TriggerKind] | type[CtPhase]) -> list[str]:
    return [member.value for member in kind]
