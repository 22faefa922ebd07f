"""The active-run stack of the fluent API: one stack per thread, ended on exit.

``start_run`` pushes an :class:`ActiveRun`; ``end_run`` (or leaving its ``with`` block) pops
it, flushes its queued metrics and records the final status. Runs still active when the
interpreter exits are ended: ``FINISHED`` normally, ``FAILED`` after an uncaught exception,
``KILLED`` after Ctrl-C.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from types import TracebackType

from driftloop.entities import PARENT_RUN_ID_TAG, Run, RunInfo, RunStatus
from driftloop.errors import DriftloopError, MetricFlushError
from driftloop.tracking.batching import get_batcher
from driftloop.tracking.client import Client

_logger = logging.getLogger(__name__)


class ActiveRun:
    """A run started by :func:`driftloop.start_run`; use it as a context manager.

    Leaving the ``with`` block ends the run: ``FINISHED`` on normal exit, ``FAILED`` when the
    block raises (the exception propagates), ``KILLED`` on ``KeyboardInterrupt``.

    Attributes:
        info: The run's metadata when it was started (a snapshot; see :meth:`fetch`).
        client: The client of the tracking URI the run lives in.
    """

    def __init__(self, run: Run, client: Client) -> None:
        self.info: RunInfo = run.info
        self.client = client
        self._parent_run_id = run.data.tags.get(PARENT_RUN_ID_TAG)

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.info.run_id

    @property
    def experiment_id(self) -> str:
        """The id of the run's experiment."""
        return self.info.experiment_id

    @property
    def run_name(self) -> str:
        """The run's display name when it was started."""
        return self.info.run_name

    @property
    def parent_run_id(self) -> str | None:
        """The parent's id for a nested run, else None."""
        return self._parent_run_id

    def fetch(self) -> Run:
        """Flush the run's queued metrics and return the run as stored now."""
        get_batcher().flush(self.run_id)
        return self.client.get_run(self.run_id)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        status = status_for_exception(exc)
        if exc is None:
            end_through(self, status)
            return
        try:
            end_through(self, status)
        except DriftloopError as error:  # keep the user's exception; note ours on it
            exc.add_note(f"driftloop: ending run {self.run_id} also failed: {error.message}")

    def __repr__(self) -> str:
        return f"ActiveRun(run_id={self.run_id!r}, run_name={self.run_name!r})"


def status_for_exception(error: BaseException | None) -> RunStatus:
    """``FINISHED`` for no error, ``KILLED`` for Ctrl-C, else ``FAILED``."""
    if error is None:
        return RunStatus.FINISHED
    if isinstance(error, KeyboardInterrupt):
        return RunStatus.KILLED
    return RunStatus.FAILED


class _Stack:
    """The runs started (and not ended) in one thread, innermost last."""

    def __init__(self) -> None:
        self.runs: list[ActiveRun] = []
        self.last_run: ActiveRun | None = None


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.stack = _Stack()


_thread_state = _ThreadState()
_live_stacks_lock = threading.Lock()
_live_stacks: set[_Stack] = set()  # non-empty stacks of every thread, for interpreter exit


def current_stack() -> list[ActiveRun]:
    """The active runs of the calling thread, outermost first (a copy)."""
    return list(_thread_state.stack.runs)


def top() -> ActiveRun | None:
    """The innermost active run of the calling thread."""
    runs = _thread_state.stack.runs
    return runs[-1] if runs else None


def last_run() -> ActiveRun | None:
    """The innermost active run, else the run this thread ended last."""
    return top() or _thread_state.stack.last_run


def push(active: ActiveRun) -> None:
    """Make ``active`` the innermost active run of the calling thread."""
    stack = _thread_state.stack
    stack.runs.append(active)
    with _live_stacks_lock:
        _live_stacks.add(stack)


def end_through(active: ActiveRun, status: RunStatus) -> None:
    """End ``active`` and any run nested inside it that is still active, innermost first."""
    runs = _thread_state.stack.runs
    if active not in runs:
        return
    while runs:
        innermost = runs[-1]
        _end(_thread_state.stack, innermost, status)
        if innermost is active:
            return


def end_top(status: RunStatus) -> None:
    """End the innermost active run of the calling thread; nothing happens if there is none."""
    innermost = top()
    if innermost is not None:
        _end(_thread_state.stack, innermost, status)


def _end(stack: _Stack, active: ActiveRun, status: RunStatus) -> None:
    stack.runs.remove(active)
    stack.last_run = active
    if not stack.runs:
        with _live_stacks_lock:
            _live_stacks.discard(stack)
    batcher = get_batcher()
    flush_error: MetricFlushError | None = None
    try:
        batcher.flush(active.run_id)
    except MetricFlushError as error:
        flush_error = error  # the run is still ended; the first failure is raised after
    finally:
        batcher.forget(active.run_id)
    try:
        active.client.set_terminated(active.run_id, status)
    except DriftloopError as error:
        if flush_error is None:
            raise
        flush_error.add_note(f"ending the run also failed: {error.message}")
    if flush_error is not None:
        raise flush_error


def _end_all_at_exit() -> None:
    uncaught = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    status = status_for_exception(uncaught)
    with _live_stacks_lock:
        stacks = list(_live_stacks)
    for stack in stacks:
        while stack.runs:
            active = stack.runs[-1]
            try:
                _end(stack, active, status)
            except Exception:
                _logger.exception("driftloop: could not end run %s", active.run_id)


def _reset_for_tests() -> None:
    """Forget every active run (without ending them) and this thread's last run."""
    with _live_stacks_lock:
        stacks = list(_live_stacks)
        _live_stacks.clear()
    for stack in stacks:
        stack.runs.clear()
    _thread_state.stack.runs.clear()
    _thread_state.stack.last_run = None


atexit.register(_end_all_at_exit)
