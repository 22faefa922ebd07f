"""Leases of the SQL :class:`CtStore`: one row per name, taken by one conditional upsert.

``INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE holder = :holder OR expires <= :now
RETURNING ...`` inserts a free lease, retakes an expired one, renews one the caller holds,
and returns no row when another holder's lease is still valid. The statement is atomic on
both databases: PostgreSQL re-checks the ``WHERE`` against the newest committed row after
waiting on a concurrent taker's row lock, SQLite serializes write transactions. Two callers
racing for a lease therefore never both get it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, or_, select

from driftloop.entities import CtLease
from driftloop.store.ct_validation import (
    MAX_LEASE_NAME_LENGTH,
    checked_lease,
    checked_now,
    checked_ttl,
)
from driftloop.store.monitor_validation import MAX_TIME_MS, checked_text
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase

_L = models.ct_leases
_COLUMNS = (_L.c.name, _L.c.holder, _L.c.expires, _L.c.acquired)


def acquire_lease(
    db: SqlDatabase, name: object, holder: object, *, ttl_ms: object, now: object
) -> CtLease | None:
    """Take the lease when free or expired, renew it when ``holder`` has it; else None.

    ``acquired`` is kept only when the holder renews a lease that has not expired.

    Raises:
        InvalidParameterError: A field is invalid (field named).
    """
    name, holder = checked_lease(name, holder)
    ttl = checked_ttl(ttl_ms)
    at = checked_now(now)
    insert = db.insert(_L).values(
        name=name, holder=holder, expires=min(at + ttl, MAX_TIME_MS), acquired=at
    )
    renewing = and_(_L.c.holder == insert.excluded.holder, _L.c.expires > at)
    stmt = insert.on_conflict_do_update(
        index_elements=[_L.c.name],
        set_={
            "holder": insert.excluded.holder,
            "expires": insert.excluded.expires,
            "acquired": case((renewing, _L.c.acquired), else_=insert.excluded.acquired),
        },
        where=or_(_L.c.holder == insert.excluded.holder, _L.c.expires <= at),
    ).returning(*_COLUMNS)
    with db.write() as conn:
        row = conn.execute(stmt).one_or_none()
    return None if row is None else _lease(row)


def release_lease(db: SqlDatabase, name: object, holder: object) -> bool:
    """Delete the lease if ``holder`` has it (expired or not); True when it did.

    Raises:
        InvalidParameterError: A field is invalid (field named).
    """
    name, holder = checked_lease(name, holder)
    with db.write() as conn:
        deleted = conn.execute(delete(_L).where(_L.c.name == name, _L.c.holder == holder))
        return deleted.rowcount > 0


def get_lease(db: SqlDatabase, name: object) -> CtLease | None:
    """The lease as stored, or None.

    Raises:
        InvalidParameterError: The name is invalid.
    """
    name = checked_text(name, "name", MAX_LEASE_NAME_LENGTH)
    with db.read() as conn:
        row = conn.execute(select(*_COLUMNS).where(_L.c.name == name)).one_or_none()
    return None if row is None else _lease(row)


def _lease(row: Any) -> CtLease:
    return CtLease(name=row.name, holder=row.holder, expires=row.expires, acquired=row.acquired)
