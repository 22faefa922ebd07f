"""Store interface of continuous training: episodes, their event log, and leases."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from driftloop.entities import CtEpisode, CtEvent, CtLease, CtPhase, Page, TriggerKind
from driftloop.store.deployment_base import UNCHANGED, _Unchanged

CT_EPISODES_MAX_RESULTS_DEFAULT = 100
CT_EPISODES_MAX_RESULTS_LIMIT = 1000
CT_EVENTS_MAX_RESULTS_DEFAULT = 100
CT_EVENTS_MAX_RESULTS_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class CtEventDraft:
    """An event to append together with an episode change, in the same transaction.

    The store fills in the id, the deployment, the episode and the timestamp.

    Attributes:
        kind: What happened (``[a-z][a-z0-9_]*``, e.g. ``gate_passed``).
        message: The decision in words.
        evidence: The numbers behind it (JSON-ready: no NaN or infinity).
    """

    kind: str
    message: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)


class CtStore(abc.ABC):
    """The continuous-training controller's persistent state.

    Episodes are a state machine (:data:`driftloop.entities.CT_TRANSITIONS`) changed only by
    compare-and-set on their ``revision``, so a controller that resumes after a crash, or a
    stale replica, cannot apply a step twice. At most one episode per deployment is not
    terminal, enforced by the database. Events are append-only. Leases elect one active
    controller replica. Times are milliseconds since the epoch; a ``now`` left as None is the
    store's wall clock.
    """

    @abc.abstractmethod
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
        """Start an episode in phase ``triggered`` (revision 1, canary step -1).

        ``event``, when given, is appended in the same transaction (e.g. ``trigger_fired``).

        Raises:
            ConflictError: The deployment has an episode that is not terminal
                (``field="deployment"``).
            InvalidParameterError: A field is invalid (``field`` names it, e.g.
                ``evidence['psi']`` for a NaN).
        """

    @abc.abstractmethod
    def get_episode(self, episode_id: str) -> CtEpisode:
        """Return the episode.

        Raises:
            NotFoundError: No episode has this id (``field="episode_id"``).
        """

    @abc.abstractmethod
    def get_active_episode(self, deployment: str) -> CtEpisode | None:
        """The deployment's episode that is not terminal, or None."""

    @abc.abstractmethod
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
        """Change an episode if its revision is still ``expected_revision``.

        ``phase`` moves it along :data:`~driftloop.entities.CT_TRANSITIONS` (the current
        phase: no move). A new phase or canary step sets ``phase_started`` to ``now``. The
        canary step can change only in phase ``canary``, which needs a step >= 0. A change
        increments the revision; a call that changes nothing keeps it. ``event`` is appended
        in the same transaction, so a failed call writes no event.

        Raises:
            NotFoundError: No episode has this id.
            ConflictError: The revision is not ``expected_revision``
                (``field="expected_revision"``), the episode is terminal
                (``field="episode_id"``), or its phase cannot move to ``phase``
                (``field="phase"``).
            InvalidParameterError: A field is invalid (field named).
        """

    @abc.abstractmethod
    def list_episodes(
        self,
        deployment: str,
        *,
        max_results: int = CT_EPISODES_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[CtEpisode]:
        """The deployment's episodes, newest first (by start time, then id).

        Raises:
            InvalidParameterError: ``max_results`` out of range (1..1000).
            InvalidPageTokenError: The page token was not issued by this store.
        """

    @abc.abstractmethod
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
            InvalidParameterError: A field is invalid, or the episode belongs to another
                deployment (``field="episode_id"``).
        """

    @abc.abstractmethod
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

        ``episode_id`` keeps one episode's events, ``since`` those with ``timestamp >=
        since``, ``after_event_id`` those after that id (to tail the log). Page tokens carry
        the page's last id, so paging stays correct while events are appended.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by this store.
        """

    @abc.abstractmethod
    def acquire_lease(
        self, name: str, holder: str, *, ttl_ms: int, now: int | None = None
    ) -> CtLease | None:
        """Take the lease when free or expired, or renew it when ``holder`` has it.

        Atomic: of concurrent callers exactly one gets it. The lease then expires at ``now +
        ttl_ms``; ``acquired`` is kept when the holder renews a lease that has not expired.

        Returns:
            The lease now held by ``holder``, or None when another holder has it.

        Raises:
            InvalidParameterError: A field is invalid (``ttl_ms`` in 1..86400000).
        """

    @abc.abstractmethod
    def release_lease(self, name: str, holder: str) -> bool:
        """Give the lease up so a standby can take it at once.

        Returns:
            True when ``holder`` held it (expired or not), False otherwise.
        """

    @abc.abstractmethod
    def get_lease(self, name: str) -> CtLease | None:
        """The lease as stored (expired when ``expires <= now``), or None if nobody took it."""
