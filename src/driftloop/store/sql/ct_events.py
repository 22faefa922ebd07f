"""The CT event log of the SQL :class:`CtStore`: appending (inside a transaction) and reading.

Append-only: nothing updates or deletes a ``ct_events`` row (deleting an episode, which no
store method does, would cascade). Event ids come from the one row of ``ct_event_counter``:
``UPDATE ... RETURNING`` increments it and holds its row lock until the appending transaction
commits, so ids are issued in commit order and a reader tailing by id cannot miss an event
committed later with a smaller id. Events are appended last in their transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, update

from driftloop.entities import CtEvent, Page
from driftloop.store.base import CT_EVENTS_MAX_RESULTS_LIMIT
from driftloop.store.ct_validation import (
    CheckedEvent,
    checked_deployment,
    checked_episode_id,
    checked_int,
)
from driftloop.store.monitor_validation import checked_optional_time
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.validation import validate_max_results

_EV = models.ct_events.c
_COUNTER = models.ct_event_counter
_COLUMNS = tuple(models.ct_events.c)
_MAX_EVENT_ID = 2**63 - 1


def append_event(
    conn: Connection,
    deployment: str,
    episode_id: str | None,
    event: CheckedEvent,
    timestamp: int,
) -> CtEvent:
    """Append one checked event in the caller's transaction and return it."""
    event_id: int = conn.execute(
        update(_COUNTER)
        .where(_COUNTER.c.counter_id == 1)
        .values(last_event_id=_COUNTER.c.last_event_id + 1)
        .returning(_COUNTER.c.last_event_id)
    ).scalar_one()
    conn.execute(
        models.ct_events.insert().values(
            event_id=event_id,
            deployment=deployment,
            episode_id=episode_id,
            timestamp=timestamp,
            kind=event.kind,
            message=event.message,
            evidence=json.dumps(event.evidence, separators=(",", ":")),
        )
    )
    return CtEvent(
        event_id, deployment, episode_id, timestamp, event.kind, event.message, event.evidence
    )


def list_events(
    db: SqlDatabase,
    deployment: object,
    *,
    episode_id: object,
    since: object,
    after_event_id: object,
    max_results: object,
    page_token: str | None,
) -> Page[CtEvent]:
    """The deployment's events in ascending id order; the token carries the page's last id.

    Raises:
        InvalidParameterError: An argument is invalid (field named).
        InvalidPageTokenError: The page token was not issued by this store.
    """
    where: list[ColumnElement[bool]] = [_EV.deployment == checked_deployment(deployment)]
    if episode_id is not None:
        where.append(_EV.episode_id == checked_episode_id(episode_id))
    low = checked_optional_time(since, "since")
    if low is not None:
        where.append(_EV.timestamp >= low)
    limit = validate_max_results(max_results, CT_EVENTS_MAX_RESULTS_LIMIT)
    after = decode_page_token(page_token)
    if after_event_id is not None:
        after = max(after, checked_int(after_event_id, "after_event_id", 0, _MAX_EVENT_ID))
    stmt = (
        select(*_COLUMNS)
        .where(*where, _EV.event_id > after)
        .order_by(_EV.event_id)
        .limit(limit + 1)
    )
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    events = tuple(_event(row) for row in rows[:limit])
    more = len(rows) > limit
    return Page(events, encode_page_token(events[-1].event_id) if more else None)


def _event(row: Any) -> CtEvent:
    return CtEvent(
        event_id=row.event_id,
        deployment=row.deployment,
        episode_id=row.episode_id,
        timestamp=row.timestamp,
        kind=row.kind,
        message=row.message,
        evidence=json.loads(row.evidence),
    )
