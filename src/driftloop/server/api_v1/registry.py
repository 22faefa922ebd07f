"""The native model registry API: models, aliases, versions, events (under ``/api/v1``)."""

from __future__ import annotations

from driftloop.server.api_v1 import registry_models, registry_versions
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.routing import Endpoint

ENDPOINTS: list[Endpoint] = with_typed_errors(
    [*registry_models.ENDPOINTS, *registry_versions.ENDPOINTS]
)
