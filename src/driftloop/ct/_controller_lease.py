"""The controller's lease: one replica per deployment acts, the others stand by.

A tick takes (or renews) the lease ``ct:<deployment>`` first. A step that can outlast the
lease (training) runs inside :class:`LeaseKeeper`, which renews it every third of the TTL from
a background thread, so a standby does not take over a controller that is merely busy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from driftloop.store.ct_base import CtStore

__all__ = ["LeaseKeeper", "lease_name"]

_log = logging.getLogger(__name__)


def lease_name(deployment: str) -> str:
    """The lease a deployment's controllers compete for."""
    return f"ct:{deployment}"


class LeaseKeeper:
    """Renews a held lease in the background while a long step runs (a context manager).

    ``lost`` becomes True if a renewal finds another holder; the step's episode writes then
    fail on their revision check, so nothing is applied twice.
    """

    def __init__(
        self,
        store: CtStore,
        name: str,
        holder: str,
        *,
        ttl_ms: int,
        clock: Callable[[], int],
    ) -> None:
        self._store = store
        self._name = name
        self._holder = holder
        self._ttl_ms = ttl_ms
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def __enter__(self) -> LeaseKeeper:
        self._thread = threading.Thread(
            target=self._renew, name=f"driftloop-lease-{self._name}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _renew(self) -> None:
        period = max(self._ttl_ms / 3000, 0.05)
        while not self._stop.wait(period):
            try:
                held = self._store.acquire_lease(
                    self._name, self._holder, ttl_ms=self._ttl_ms, now=self._clock()
                )
            except Exception:  # noqa: BLE001 - a failed renewal is retried; the TTL covers it
                _log.warning("renewing the lease %s failed; retrying", self._name, exc_info=True)
                continue
            if held is None:
                self.lost = True
                return
