"""Placeholder: endpoints come with the module's owner."""

from __future__ import annotations

from driftloop.server.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
