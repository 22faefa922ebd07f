"""Module-level model functions: ``driftloop.log_model`` on the active run, ``load_model``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftloop.models.client_methods import ModelInfo
    from driftloop.models.loaded import LoadedModel
    from driftloop.models.signature import ModelSignature


def log_model(
    model: object,
    name: str = "model",
    *,
    training_data: Any = None,
    target: Any = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    flavor_options: Mapping[str, Any] | None = None,
    extra_requirements: Sequence[str] | None = None,
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Log ``model`` to the active run (starting one if none is active).

    One call stores the model directory under the run's artifacts at ``name``: the flavor's
    files, the signature (inferred from ``training_data`` or ``input_example`` when not
    given), an input example, pinned requirements and, with ``training_data``, the reference
    profile that drift monitoring compares live traffic against.

    Example:
        >>> import driftloop  # doctest: +SKIP
        >>> with driftloop.start_run():  # doctest: +SKIP
        ...     info = driftloop.log_model(clf, "model", training_data=X, target=y)
        >>> driftloop.load_model(info.model_uri).predict(X.head())  # doctest: +SKIP

    Returns:
        The logged model's URI (``runs:/<run_id>/<name>``) and what was stored.
    """
    from driftloop.tracking import fluent  # tracking imports models: import on use

    active = fluent.active_run() or fluent.start_run()
    return active.client.log_model(
        active.run_id,
        model,
        name,
        training_data=training_data,
        target=target,
        signature=signature,
        input_example=input_example,
        flavor_options=flavor_options,
        extra_requirements=extra_requirements,
        registered_model_name=registered_model_name,
    )


def load_model(model_uri: str | os.PathLike[str], *, trusted: bool = False) -> LoadedModel:
    """Load a model from the current tracking URI's runs and registry, or from a path.

    ``model_uri`` is ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``,
    ``models:/<name>@<alias>``, ``models:/<name>/latest``, an artifact URI or a local
    directory (driftloop's format, or an MLflow ``MLmodel`` directory). See
    :meth:`driftloop.Client.load_model` for ``trusted``.
    """
    from driftloop.models.loading import load_model_uri

    return load_model_uri(None, model_uri, trusted=trusted)
