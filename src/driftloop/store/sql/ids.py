"""Ids and clock of the SQL stores: run ids, experiment ids as strings, milliseconds."""

from __future__ import annotations

import time
import uuid


def new_run_id() -> str:
    """A new run id: 32 lowercase hex characters (``uuid4().hex``, as MLflow)."""
    return uuid.uuid4().hex


MAX_EXPERIMENT_KEY = 2**31 - 1
"""Experiment ids are 32-bit integer keys (an ``INTEGER`` column on both databases)."""


def parse_experiment_id(experiment_id: object) -> int | None:
    """The integer key of an experiment id string, or None when it cannot name one."""
    key: int | None = None
    if isinstance(experiment_id, bool):
        return None
    if isinstance(experiment_id, int):
        key = experiment_id
    elif isinstance(experiment_id, str) and experiment_id.isascii() and experiment_id.isdigit():
        key = int(experiment_id)
    if key is None or not 0 <= key <= MAX_EXPERIMENT_KEY:
        return None
    return key


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000
