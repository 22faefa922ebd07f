"""SQL implementation of :class:`CtStore`: CT episodes, their event log, and leases.

One non-terminal episode per deployment is the partial unique index
``ix_ct_episodes_active_deployment``: a second ``start_episode`` that slips past the check
(two transactions at once on PostgreSQL) fails on the index and becomes a ConflictError. An
advance locks the episode row (``SELECT ... FOR UPDATE``; SQLite's write transactions are
serialized anyway), checks the revision and the transition, writes, and appends its event in
the same transaction. The event log is :mod:`~driftloop.store.sql.ct_events`, the leases
:mod:`~driftloop.store.sql.ct_leases`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from driftloop.entities import CtEpisode, CtEvent, CtLease, CtPhase, Page, TriggerKind
from driftloop.errors import ConflictError, InvalidParameterError, NotFoundError
from driftloop.store.base import (
    CT_EPISODES_MAX_RESULTS_DEFAULT,
    CT_EPISODES_MAX_RESULTS_LIMIT,
    CT_EVENTS_MAX_RESULTS_DEFAULT,
    UNCHANGED,
    CtEventDraft,
    CtStore,
)
from driftloop.store.ct_validation import (
    AdvanceRequest,
    StartRequest,
    checked_deployment,
    checked_episode_id,
    checked_event,
    checked_now,
    planned_changes,
)
from driftloop.store.deployment_base import _Unchanged
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import ct_events, ct_leases, models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import new_run_id
from driftloop.store.validation import validate_max_results

_EP = models.ct_episodes.c
_ACTIVE = _EP.phase.in_(models.CT_ACTIVE_PHASES)
_EPISODE_COLUMNS = tuple(models.ct_episodes.c)


class SqlCtStore(CtStore):
    """Continuous-training state in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

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
        """Start an episode in phase ``triggered`` (see the ABC).

        Raises:
            ConflictError: The deployment has a non-terminal episode (``field="deployment"``).
            InvalidParameterError: A field is invalid (field named); nothing is written.
        """
        request = StartRequest.checked(deployment, trigger, evidence, champion_version, event, now)
        episode = CtEpisode(
            episode_id=new_run_id(),
            deployment=request.deployment,
            phase=CtPhase.TRIGGERED,
            trigger=request.trigger,
            evidence=request.evidence,
            pipeline_run_id=None,
            challenger_version=None,
            champion_version=request.champion_version,
            canary_step=-1,
            phase_started=request.now,
            revision=1,
            created=request.now,
            updated=request.now,
        )
        with self._db.write() as conn:
            active = conn.execute(
                select(_EP.episode_id).where(_EP.deployment == episode.deployment, _ACTIVE)
            ).first()
            if active is not None:
                raise _busy(episode.deployment, active.episode_id)
            try:
                conn.execute(models.ct_episodes.insert().values(**_episode_row(episode)))
            except IntegrityError as e:  # a concurrent start committed first
                raise _busy(episode.deployment, None) from e
            if request.event is not None:
                ct_events.append_event(
                    conn, episode.deployment, episode.episode_id, request.event, request.now
                )
        return episode

    def get_episode(self, episode_id: str) -> CtEpisode:
        """Return the episode.

        Raises:
            NotFoundError: No episode has this id.
        """
        checked_episode_id(episode_id)
        with self._db.read() as conn:
            row = conn.execute(
                select(*_EPISODE_COLUMNS).where(_EP.episode_id == episode_id)
            ).one_or_none()
        if row is None:
            raise _not_found(episode_id)
        return _episode(row)

    def get_active_episode(self, deployment: str) -> CtEpisode | None:
        """The deployment's non-terminal episode, or None."""
        deployment = checked_deployment(deployment)
        stmt = select(*_EPISODE_COLUMNS).where(_EP.deployment == deployment, _ACTIVE)
        with self._db.read() as conn:
            row = conn.execute(stmt).one_or_none()
        return None if row is None else _episode(row)

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
        """Compare-and-set the episode, appending ``event`` in the same transaction.

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
        with self._db.write() as conn:
            row = conn.execute(
                select(*_EPISODE_COLUMNS).where(_EP.episode_id == episode_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise _not_found(episode_id)
            episode = _episode(row)
            changes = planned_changes(episode, request)
            if changes:
                episode = dataclasses.replace(
                    episode, **changes, revision=episode.revision + 1, updated=request.now
                )
                values = _episode_row(episode)
                conn.execute(
                    update(models.ct_episodes)
                    .where(_EP.episode_id == episode_id)
                    .values({key: values[key] for key in (*changes, "revision", "updated")})
                )
            if request.event is not None:
                ct_events.append_event(
                    conn, episode.deployment, episode_id, request.event, request.now
                )
        return episode

    def list_episodes(
        self,
        deployment: str,
        *,
        max_results: int = CT_EPISODES_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[CtEpisode]:
        """The deployment's episodes, newest first (start time, then id, descending).

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by this store.
        """
        deployment = checked_deployment(deployment)
        validate_max_results(max_results, CT_EPISODES_MAX_RESULTS_LIMIT)
        offset = decode_page_token(page_token)
        stmt = (
            select(*_EPISODE_COLUMNS)
            .where(_EP.deployment == deployment)
            .order_by(_EP.created.desc(), _EP.episode_id.desc())
            .offset(offset)
            .limit(max_results + 1)
        )
        with self._db.read() as conn:
            rows = conn.execute(stmt).all()
        episodes = tuple(_episode(row) for row in rows[:max_results])
        more = len(rows) > max_results
        return Page(episodes, encode_page_token(offset + max_results) if more else None)

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
        """Append one event (see the ABC).

        Raises:
            NotFoundError: ``episode_id`` names no episode.
            InvalidParameterError: A field is invalid, or the episode is another
                deployment's (field named).
        """
        deployment = checked_deployment(deployment)
        checked = checked_event(kind, message, evidence)
        at = checked_now(now)
        if episode_id is not None:
            checked_episode_id(episode_id)
        with self._db.write() as conn:
            if episode_id is not None:
                owner = conn.execute(
                    select(_EP.deployment).where(_EP.episode_id == episode_id)
                ).scalar_one_or_none()
                if owner is None:
                    raise _not_found(episode_id)
                if owner != deployment:
                    raise InvalidParameterError(
                        f"episode {episode_id!r} belongs to deployment {owner!r}, not "
                        f"{deployment!r}",
                        field="episode_id",
                    )
            return ct_events.append_event(conn, deployment, episode_id, checked, at)

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
        """The deployment's events in ascending id order (see the ABC).

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by this store.
        """
        return ct_events.list_events(
            self._db,
            deployment,
            episode_id=episode_id,
            since=since,
            after_event_id=after_event_id,
            max_results=max_results,
            page_token=page_token,
        )

    def acquire_lease(
        self, name: str, holder: str, *, ttl_ms: int, now: int | None = None
    ) -> CtLease | None:
        """Take, retake after expiry, or renew the lease in one upsert (see the ABC).

        Raises:
            InvalidParameterError: A field is invalid (field named).
        """
        return ct_leases.acquire_lease(self._db, name, holder, ttl_ms=ttl_ms, now=now)

    def release_lease(self, name: str, holder: str) -> bool:
        """Delete the lease row if ``holder`` has it.

        Raises:
            InvalidParameterError: A field is invalid (field named).
        """
        return ct_leases.release_lease(self._db, name, holder)

    def get_lease(self, name: str) -> CtLease | None:
        """The lease row, or None.

        Raises:
            InvalidParameterError: The name is invalid.
        """
        return ct_leases.get_lease(self._db, name)


def _not_found(episode_id: str) -> NotFoundError:
    return NotFoundError(f"no CT episode has id {episode_id!r}", field="episode_id")


def _busy(deployment: str, episode_id: str | None) -> ConflictError:
    which = "" if episode_id is None else f" ({episode_id})"
    return ConflictError(
        f"deployment {deployment!r} has an episode in progress{which}; it must end (promoted, "
        "rolled back, rejected or failed) before another starts",
        field="deployment",
    )


def _episode_row(episode: CtEpisode) -> dict[str, Any]:
    row = dataclasses.asdict(episode)
    row["phase"] = episode.phase.value
    row["trigger"] = episode.trigger.value
    row["evidence"] = json.dumps(episode.evidence, separators=(",", ":"))
    return row


def _episode(row: Any) -> CtEpisode:
    return CtEpisode(
        episode_id=row.episode_id,
        deployment=row.deployment,
        phase=CtPhase(row.phase),
        trigger=TriggerKind(row.trigger),
        evidence=json.loads(row.evidence),
        pipeline_run_id=row.pipeline_run_id,
        challenger_version=row.challenger_version,
        champion_version=row.champion_version,
        canary_step=row.canary_step,
        phase_started=row.phase_started,
        revision=row.revision,
        created=row.created,
        updated=row.updated,
        message=row.message,
    )
