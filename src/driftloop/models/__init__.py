"""Models: the secure model directory format, signatures, flavors, logging and loading.

See ``docs/model-format.md`` for the directory layout and the trust rules.
"""

from driftloop.models.client_methods import ModelInfo
from driftloop.models.enforcement import EnforcedInput, as_model_input, enforce_signature
from driftloop.models.fluent import load_model, log_model
from driftloop.models.loaded import LoadedModel, ModelMetadata, ProbabilisticLoadedModel
from driftloop.models.manifest import MODEL_FORMAT_VERSION, ModelManifest
from driftloop.models.package import SavedModel, save_model
from driftloop.models.signature import (
    ColumnSpec,
    DataType,
    ModelSignature,
    Schema,
    TensorSpec,
    infer_signature,
)
from driftloop.models.uri import ModelUri, parse_model_uri

__all__ = [
    "MODEL_FORMAT_VERSION",
    "ColumnSpec",
    "DataType",
    "EnforcedInput",
    "LoadedModel",
    "ModelInfo",
    "ModelManifest",
    "ModelMetadata",
    "ModelSignature",
    "ModelUri",
    "ProbabilisticLoadedModel",
    "SavedModel",
    "Schema",
    "TensorSpec",
    "as_model_input",
    "enforce_signature",
    "infer_signature",
    "load_model",
    "log_model",
    "parse_model_uri",
    "save_model",
]
