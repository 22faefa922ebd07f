"""``get_metric_history``: one indexed range scan, plain tuples, entities built directly.

The points of a series are read in the order of the ``metrics`` primary key
``(run_id, key, step, timestamp, is_nan, value)``, so the scan needs no sort; rows come from the
driver's cursor without SQLAlchemy ``Row`` objects (a 100k-point series is ~100k tuples and
~100k :class:`Metric` objects, nothing more). The run is looked up only when no point is found.
"""

from __future__ import annotations

from sqlalchemy import select

from driftloop.entities import Metric, Page
from driftloop.errors import InvalidParameterError
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.run_loading import require_run

_NAN = float("nan")


def read_metric_history(
    db: SqlDatabase,
    run_id: str,
    key: str,
    max_results: int | None,
    page_token: str | None,
) -> Page[Metric]:
    """The points of one series ordered by (step, timestamp); all of them by default.

    ``max_results`` must be positive when given; an unknown key gives an empty page.

    Raises:
        RunNotFoundError: No such run.
        InvalidParameterError: ``max_results`` is not a positive integer.
        InvalidPageTokenError: The page token is invalid.
    """
    if max_results is not None and (
        isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1
    ):
        raise InvalidParameterError(
            f"max_results must be a positive integer, got {max_results!r}", field="max_results"
        )
    offset = decode_page_token(page_token)
    m = models.metrics.c
    stmt = (
        select(m.step, m.timestamp, m.value, m.is_nan)
        .where(m.run_id == run_id, m.key == key)
        .order_by(m.step, m.timestamp, m.is_nan, m.value)
    )
    if max_results is not None:
        stmt = stmt.limit(max_results + 1)
    if offset:
        stmt = stmt.offset(offset)
    with db.read() as conn:
        rows = db.fetch_all(conn, stmt)
        if not rows:
            require_run(conn, run_id)
    next_token = None
    if max_results is not None and len(rows) > max_results:
        rows = rows[:max_results]
        next_token = encode_page_token(offset + max_results)
    points = [
        Metric(key, _NAN if nan else value, timestamp, step) for step, timestamp, value, nan in rows
    ]
    return Page(tuple(points), next_token)
