"""What the ``driftloop monitor`` commands share: durations, the detector option, the store."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.monitor_run import DETECTOR_CHOICES
from driftloop.store.base import MonitorStore
from driftloop.tracking.uri import get_stores

F = TypeVar("F", bound=Callable[..., Any])

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_ms(text: str, field: str) -> int:
    """``30s``, ``5m``, ``1h``, ``7d`` in milliseconds.

    Raises:
        InvalidParameterError: Not such a duration, or zero (``field`` names the option).
    """
    match = _DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise InvalidParameterError(
            f"--{field} takes a duration like 30s, 5m, 1h or 7d, got {text!r}", field=field
        )
    return int(match.group(1)) * _SECONDS[match.group(2)] * 1000


def now_ms() -> int:
    """The current time, ms since the epoch."""
    return int(time.time() * 1000)


def detector_option(*, default: str | None = "adwin") -> Callable[[F], F]:
    """``--detector``: the change detector run over the labelled rows' error stream.

    With ``default=None`` the command can tell whether the option was given (its help then
    still names ``adwin``, which the command uses).
    """
    return click.option(
        "--detector",
        type=click.Choice(DETECTOR_CHOICES),
        default=default,
        show_default=default is not None,
        help="Change detector over the error stream of labelled rows (concept drift)"
        + ("" if default is not None else " [default: adwin]")
        + "; none turns it off.",
    )


def monitor_store(tracking_uri: str) -> MonitorStore:
    """The monitoring store behind ``tracking_uri`` (SQL, or a server's REST routes)."""
    return get_stores(tracking_uri).monitoring
