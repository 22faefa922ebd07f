"""CPU time of the servers under test, read from ``/proc`` (Linux).

The end-to-end figures of ``server.py`` include the mlflow client's own work, which on a
2-core machine is most of a search (parsing the answer into protobuf) and most of a
``log_batch`` (building it); these meters give what each server itself spent: its process
tree's CPU and, on PostgreSQL, the database's (the postmaster's tree), per timed phase.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _common import console


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds spent so far by process ``root`` and its live descendants (Linux)."""
    children: dict[int, list[int]] = {}
    spent: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process has gone
        pid = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(pid)
        spent[pid] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def wait_until_idle(
    pid: int, share: float = 0.05, timeout: float = 120.0, window: float = 1.0
) -> None:
    """Wait until server ``pid`` and its children use under ``share`` of a core for ``window`` s.

    ``mlflow server`` answers ``/health`` while the job runner and the huey consumers
    it spawns are still importing MLflow, several CPU-seconds each: measured from the first
    answer, both servers' figures would pay for that start-up on the shared cores.
    """
    deadline = time.monotonic() + timeout
    before = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        after = tree_cpu_seconds(pid)
        if 0 <= after - before < share * window:
            return
        before = after
    console.print(f"  (process {pid} still busy after {timeout:.0f} s; measuring anyway)")


def postmaster_pid(engine_url: str) -> int | None:
    """The local PostgreSQL postmaster's pid (the parent of a backend), or None."""
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url)
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    finally:
        engine.dispose()
    try:
        return int((Path("/proc") / str(backend) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None  # not on this machine


@dataclass(slots=True)
class CpuMeter:
    """CPU seconds spent by named servers (and the database) inside :meth:`measure` blocks."""

    pids: dict[str, int]
    database: int | None = None
    spent: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    @contextlib.contextmanager
    def measure(self, name: str, calls: int = 1) -> Iterator[None]:
        """Add the CPU that ``name``'s tree and the database spend in the block."""
        before = self._now(name)
        yield
        self.spent[name] = self.spent.get(name, 0.0) + self._now(name) - before
        self.calls[name] = self.calls.get(name, 0) + calls

    def per_call_ms(self, name: str) -> float:
        """Milliseconds of CPU per call measured for ``name``."""
        return 1000 * self.spent.get(name, 0.0) / max(1, self.calls.get(name, 0))

    def _now(self, name: str) -> float:
        total = tree_cpu_seconds(self.pids[name])
        return total + (tree_cpu_seconds(self.database) if self.database else 0.0)
