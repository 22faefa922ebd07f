"""Small helpers shared by the contract suites: unique names, page walking, clock ticks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from driftloop.entities import Page

T = TypeVar("T")

#: A fixed, realistic epoch-millisecond timestamp; suites count from it instead of the clock.
T0 = 1_700_000_000_000

#: Not base64 JSON, so no store can have issued it.
FORGED_PAGE_TOKEN = "not a page token!"  # noqa: S105


def unique_name(prefix: str = "contract") -> str:
    """Return ``<prefix>-<12 hex chars>``, unique enough to share one database between tests.

    The hex part holds no ``_`` or ``%``, so the name is safe inside a ``LIKE`` pattern.
    """
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_ms() -> int:
    """Wall-clock milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def wait_next_millisecond() -> int:
    """Spin until the wall clock passes the current millisecond; return the new millisecond.

    Stores stamp experiments with their own clock; this guarantees that two stamps taken on
    either side of the call differ, without sleeping for a guessed duration.
    """
    start = now_ms()
    current = now_ms()
    while current <= start:
        time.sleep(0.0002)
        current = now_ms()
    return current


def collect_pages(
    fetch: Callable[[str | None], Page[T]],
    *,
    max_pages: int = 10_000,
) -> list[list[T]]:
    """Call ``fetch(token)`` from the first page until ``next_page_token`` is None.

    Args:
        fetch: Returns the page for a token (None for the first page).
        max_pages: Safety stop against a store that hands out tokens forever.

    Returns:
        The items of each page, page by page.

    Raises:
        AssertionError: The store returned more than ``max_pages`` pages.
    """
    pages: list[list[T]] = []
    token: str | None = None
    for _ in range(max_pages):
        page = fetch(token)
        pages.append(list(page.items))
        token = page.next_page_token
        if token is None:
            return pages
    raise AssertionError(f"pagination did not end after {max_pages} pages")
