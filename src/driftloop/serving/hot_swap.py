"""Hot swap: keep the served model set equal to what the registry says, without a pause.

:class:`ModelManager` polls the target every ``poll_seconds`` (:meth:`ServeTarget.resolve`:
the deployment row and the champion alias). When a version changes it loads and warms the
new one in a worker thread while requests keep flowing to the current set, then replaces the
set with one assignment. A request reads :attr:`ModelManager.current` once and hands its rows
to that set's batcher before yielding to the event loop, so it finishes on the version it
started on; retired models drain their batcher before their thread stops. A version that
fails to load is retried on the next poll and the current set keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from driftloop.errors import DriftloopError
from driftloop.serving.served_model import ServedModel, load_served_model
from driftloop.serving.target import DesiredState, ServeTarget
from driftloop.tracking import Client

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelSet:
    """The models serving right now: never mutated, replaced whole on a swap.

    Attributes:
        state: What the registry said when this set was built.
        champion: Answers requests (all of them in ``single``/``shadow`` mode).
        challenger: Scores shadow copies or its canary share, or None.
    """

    state: DesiredState
    champion: ServedModel
    challenger: ServedModel | None


class ModelManager:
    """Owns the current :class:`ModelSet` and swaps it when the registry changes.

    Args:
        client: Reads the registry and downloads models.
        target: What to serve.
        trusted: Passed to the model loader.
        max_batch_size, max_wait_ms: Each served model's batching.
        on_batch: Called after each model call with its rows and requests (for metrics).
        model_threads: Native threads per model call.
        on_swap: Called with the old set (None at start) and the new one after each swap.
    """

    def __init__(
        self,
        client: Client,
        target: ServeTarget,
        *,
        trusted: bool,
        max_batch_size: int,
        max_wait_ms: float,
        on_swap: Callable[[ModelSet | None, ModelSet], None] | None = None,
        on_batch: Callable[[int, int], None] | None = None,
        model_threads: int = 1,
    ) -> None:
        self._client = client
        self._target = target
        self._trusted = trusted
        self._max_batch_size = max_batch_size
        self._max_wait_ms = max_wait_ms
        self._on_swap = on_swap
        self._on_batch = on_batch
        self._model_threads = model_threads
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()
        self.current: ModelSet | None = None
        self.last_error: str | None = None

    async def refresh(self) -> bool:
        """Re-read the target; load, warm and swap in what changed. True if a swap happened.

        Raises:
            DriftloopError: The target does not resolve or a version does not load (the
                current set, if any, keeps serving).
        """
        async with self._lock:
            desired = await asyncio.to_thread(self._target.resolve, self._client)
            current = self.current
            if current is not None and current.state == desired:
                return False
            champion = await self._served(desired.model_name, desired.champion_version, current)
            challenger = None
            if desired.challenger_version is not None:
                challenger = await self._served(
                    desired.model_name, desired.challenger_version, current
                )
            new = ModelSet(desired, champion, challenger)
            self.current = new
            self.last_error = None
            if self._on_swap is not None:
                self._on_swap(current, new)
            if current is not None:
                self._retire(current, new)
            return True

    async def watch(self, poll_seconds: float) -> None:
        """Refresh forever, every ``poll_seconds``.

        Errors are logged and kept in :attr:`last_error`; the current set keeps serving.
        """
        while True:
            await asyncio.sleep(poll_seconds)
            try:
                await self.refresh()
            except Exception as error:  # noqa: BLE001 - the watcher must outlive any failure
                self.note_error(error)

    async def close(self) -> None:
        """Drain and stop every model (current and retiring)."""
        async with self._lock:
            current, self.current = self.current, None
        if current is not None:
            for served in _members(current):
                await served.close()
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    def note_error(self, error: Exception) -> None:
        """Keep the error; log it once per distinct message (not on every poll)."""
        if isinstance(error, DriftloopError):
            message = f"{error.code}: {error.message}"
        else:
            message = f"{type(error).__name__}: {error}"
        if message != self.last_error:
            _log.warning(
                "hot swap: %s: %s",
                self._target.text,
                message,
                exc_info=not isinstance(error, DriftloopError),
            )
        self.last_error = message

    async def _served(self, model_name: str, version: int, current: ModelSet | None) -> ServedModel:
        if current is not None:
            for served in _members(current):
                if served.version == version and served.model_name == model_name:
                    return served
        return await load_served_model(
            self._client,
            model_name,
            version,
            trusted=self._trusted,
            max_batch_size=self._max_batch_size,
            max_wait_ms=self._max_wait_ms,
            on_batch=self._on_batch,
            model_threads=self._model_threads,
        )

    def _retire(self, old: ModelSet, new: ModelSet) -> None:
        keep = {id(served) for served in _members(new)}
        for served in _members(old):
            if id(served) not in keep:
                task = asyncio.get_running_loop().create_task(served.close())
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)


def _members(models: ModelSet) -> list[ServedModel]:
    return [models.champion] + ([models.challenger] if models.challenger is not None else [])
