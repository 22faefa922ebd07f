"""Read-only queries the store interfaces do not offer, over the server's SQL stores.

Run counts per experiment and the child runs of a run: each one small query on an index
(``runs (experiment_id, lifecycle_stage, start_time)``, ``tags (key, value prefix)``), where
going through ``search_runs`` would scan every run of the experiment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, literal, select

from driftloop.entities import PARENT_RUN_ID_TAG, LifecycleStage, RunStatus
from driftloop.store.sql import SqlStores
from driftloop.store.sql.models import VALUE_PREFIX_LENGTH, runs, tags, value_prefix

_ACTIVE = LifecycleStage.ACTIVE.value


@dataclass(frozen=True, slots=True)
class RunCount:
    """Active runs of one experiment and when the latest started (ms, None if no run)."""

    runs: int = 0
    last_start_time: int | None = None


@dataclass(frozen=True, slots=True)
class ChildRun:
    """A nested run, as the parent's page lists it."""

    run_id: str
    name: str
    status: RunStatus


def run_counts(stores: SqlStores, experiment_ids: Sequence[str]) -> dict[str, RunCount]:
    """The active run count and latest start time of each experiment in ``experiment_ids``."""
    ids = [int(e) for e in experiment_ids if e.isdigit()]
    if not ids:
        return {}
    stmt = (
        select(runs.c.experiment_id, func.count(), func.max(runs.c.start_time))
        .where(runs.c.experiment_id.in_(ids))
        .where(runs.c.lifecycle_stage == _ACTIVE)
        .group_by(runs.c.experiment_id)
    )
    with stores.database.read() as conn:
        rows = conn.execute(stmt).all()
    return {str(row[0]): RunCount(int(row[1]), row[2]) for row in rows}


def child_runs(stores: SqlStores, run_id: str, limit: int) -> list[ChildRun]:
    """The active runs whose ``mlflow.parentRunId`` tag is ``run_id``, oldest first."""
    stmt = (
        select(runs.c.run_id, runs.c.name, runs.c.status)
        .join(tags, tags.c.run_id == runs.c.run_id)
        .where(tags.c.key == PARENT_RUN_ID_TAG)
        .where(value_prefix(tags.c.value) == literal(run_id[:VALUE_PREFIX_LENGTH]))
        .where(tags.c.value == run_id)
        .where(runs.c.lifecycle_stage == _ACTIVE)
        .order_by(runs.c.start_time, runs.c.run_id)
        .limit(limit)
    )
    with stores.database.read() as conn:
        rows = conn.execute(stmt).all()
    return [ChildRun(str(r[0]), str(r[1]), RunStatus(r[2])) for r in rows]
