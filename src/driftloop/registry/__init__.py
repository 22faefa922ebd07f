"""The model registry: named models, numbered versions, aliases, lineage and the event log.

The storage side is :class:`driftloop.store.base.RegistryStore` (and friends); this package is
what users call: :func:`register_model`, :func:`model_lineage` and the registry methods of
:class:`driftloop.Client`.
"""

from driftloop.registry.fluent import register_model
from driftloop.registry.lineage import DatasetLineage, Lineage, model_lineage

__all__ = ["DatasetLineage", "Lineage", "model_lineage", "register_model"]
