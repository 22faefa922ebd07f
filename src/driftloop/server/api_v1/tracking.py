"""The native tracking API: experiments, runs, metrics, logged models (under ``/api/v1``)."""

from __future__ import annotations

from driftloop.server.api_v1 import experiments, logged_models, runs
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.routing import Endpoint

ENDPOINTS: list[Endpoint] = with_typed_errors(
    [*experiments.ENDPOINTS, *runs.ENDPOINTS, *logged_models.ENDPOINTS]
)
