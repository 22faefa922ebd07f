"""The registry's append-only event log: appending (inside a store's transaction) and reading.

Nothing here, or anywhere else, updates or deletes a ``registry_events`` row. Event ids come
from the one row of ``registry_event_counter``: ``UPDATE ... RETURNING`` increments it and
holds its row lock until the appending transaction commits, so ids are issued in commit order
and a reader that resumes after the last id it saw cannot miss an event committed later with
a smaller id. Stores append events last in their transaction, after taking their other locks,
so the counter is held briefly and locks are always taken in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, or_, select, update

from driftloop.entities import Page, RegistryEvent, RegistryEventType
from driftloop.errors import InvalidParameterError
from driftloop.store.base import EVENT_MAX_RESULTS_DEFAULT, EVENT_MAX_RESULTS_LIMIT, EventStore
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms
from driftloop.store.validation import validate_max_results

_E = models.registry_events.c
_COUNTER = models.registry_event_counter
_EVENT_COLUMNS = (
    _E.event_id,
    _E.timestamp,
    _E.actor,
    _E.event_type,
    _E.model_name,
    _E.version,
    _E.alias,
    _E.from_version,
    _E.to_version,
    _E.details,
)


def append_event(
    conn: Connection,
    *,
    actor: str,
    event_type: RegistryEventType,
    model_id: int,
    model_name: str,
    version: int | None = None,
    alias: str | None = None,
    from_version: int | None = None,
    to_version: int | None = None,
    details: Mapping[str, str] | None = None,
) -> int:
    """Append one event in the caller's transaction and return its id."""
    event_id: int = conn.execute(
        update(_COUNTER)
        .where(_COUNTER.c.counter_id == 1)
        .values(last_event_id=_COUNTER.c.last_event_id + 1)
        .returning(_COUNTER.c.last_event_id)
    ).scalar_one()
    conn.execute(
        models.registry_events.insert().values(
            event_id=event_id,
            timestamp=now_ms(),
            actor=actor,
            event_type=event_type.value,
            model_id=model_id,
            model_name=model_name,
            version=version,
            alias=alias,
            from_version=from_version,
            to_version=to_version,
            details=json.dumps(dict(details or {}), sort_keys=True),
        )
    )
    return event_id


class SqlEventStore(EventStore):
    """The registry event log in a SQLite or PostgreSQL database.

    Page tokens carry the last event id of the page (in the usual opaque token format), so
    paging stays correct while events are appended.
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def list_events(
        self,
        model_name: str | None = None,
        *,
        after_event_id: int | None = None,
        max_results: int = EVENT_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[RegistryEvent]:
        """Events in ascending id order (see :meth:`EventStore.list_events`).

        Raises:
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..10000) or
                ``after_event_id`` is not an integer.
        """
        validate_max_results(max_results, EVENT_MAX_RESULTS_LIMIT)
        after = decode_page_token(page_token)
        if after_event_id is not None:
            if isinstance(after_event_id, bool) or not isinstance(after_event_id, int):
                raise InvalidParameterError(
                    f"after_event_id must be an integer, got {after_event_id!r}",
                    field="after_event_id",
                )
            after = max(after, after_event_id)
        stmt = select(*_EVENT_COLUMNS).where(_E.event_id > after)
        if model_name is not None:
            current = (
                select(models.registered_models.c.model_id)
                .where(models.registered_models.c.name == model_name)
                .scalar_subquery()
            )
            stmt = stmt.where(or_(_E.model_name == model_name, _E.model_id == current))
        stmt = stmt.order_by(_E.event_id.asc()).limit(max_results + 1)
        with self._db.read() as conn:
            rows = conn.execute(stmt).all()
        events = [_event(row) for row in rows[:max_results]]
        next_token = encode_page_token(events[-1].event_id) if len(rows) > max_results else None
        return Page(tuple(events), next_token)


def _event(row: Any) -> RegistryEvent:
    return RegistryEvent(
        event_id=row.event_id,
        timestamp=row.timestamp,
        actor=row.actor,
        event_type=RegistryEventType(row.event_type),
        model_name=row.model_name,
        version=row.version,
        alias=row.alias,
        from_version=row.from_version,
        to_version=row.to_version,
        details=json.loads(row.details),
    )
