"""A real driftloop server on 127.0.0.1 and a random port, in a background thread, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from driftloop.server.app import create_app
from driftloop.server.background import free_port
from driftloop.server.background import serve_in_background as live_app
from driftloop.server.config import ServerConfig

__all__ = ["free_port", "live_app", "live_server"]


@contextlib.contextmanager
def live_server(config: ServerConfig) -> Iterator[str]:
    """Serve ``config`` over real HTTP until the block ends; yields ``http://127.0.0.1:<port>``.

    ``config.port`` 0 picks a free port.
    """
    with live_app(create_app(config), config.port) as url:
        yield url
