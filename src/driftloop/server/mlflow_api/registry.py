"""MLflow's model registry routes (``registered-models/*`` and ``model-versions/*``).

The handlers live in :mod:`.registry_models` and :mod:`.registry_versions`; the JSON shapes
and the model version ``source`` gate in :mod:`.registry_convert`.
"""

from __future__ import annotations

from driftloop.server.mlflow_api import registry_models, registry_versions
from driftloop.server.routing import Endpoint

ENDPOINTS: list[Endpoint] = [*registry_models.ENDPOINTS, *registry_versions.ENDPOINTS]
