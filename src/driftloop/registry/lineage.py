"""Lineage of a registered version: version -> run -> params, metrics, code and data.

``driftloop models lineage NAME VERSION`` prints this chain, so a version in production can be
traced back to the commit that trained it and the exact training data (by content digest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from driftloop.entities import ModelVersion, Run
from driftloop.errors import RunNotFoundError
from driftloop.tracking.context import GIT_COMMIT_TAG, SOURCE_NAME_TAG, USER_TAG
from driftloop.tracking.datasets import DATASET_CONTEXT_TAG

if TYPE_CHECKING:
    from driftloop.tracking.client import Client


@dataclass(frozen=True, slots=True)
class DatasetLineage:
    """A dataset the run consumed: name, content digest, what it was used for, where from."""

    name: str
    digest: str
    context: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Lineage:
    """Everything a registered version can be traced to.

    Attributes:
        version: The registered version.
        run: Its run, or None when it was registered from a path or the run was deleted
            for good.
        git_commit: The commit the run's code was at, when it ran in a git checkout.
        entry_point: The script or notebook that started the run.
        user: Who started the run.
        params: The run's params.
        metrics: The run's latest metric values.
        datasets: The run's input datasets.
    """

    version: ModelVersion
    run: Run | None
    git_commit: str | None = None
    entry_point: str | None = None
    user: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    datasets: tuple[DatasetLineage, ...] = ()


def model_lineage(client: Client, name: str, version: int | str) -> Lineage:
    """Collect the lineage of version ``version`` of ``name``.

    Raises:
        RegisteredModelNotFoundError, ModelVersionNotFoundError: As named.
    """
    model_version = client.get_model_version(name, version)
    if model_version.run_id is None:
        return Lineage(version=model_version, run=None)
    try:
        run = client.get_run(model_version.run_id)
    except RunNotFoundError:
        return Lineage(version=model_version, run=None)
    tags = run.data.tags
    return Lineage(
        version=model_version,
        run=run,
        git_commit=tags.get(GIT_COMMIT_TAG),
        entry_point=tags.get(SOURCE_NAME_TAG),
        user=tags.get(USER_TAG),
        params=dict(run.data.params),
        metrics=dict(run.data.metrics),
        datasets=tuple(
            DatasetLineage(
                name=item.dataset.name,
                digest=item.dataset.digest,
                context=item.tags.get(DATASET_CONTEXT_TAG),
                source=item.dataset.source,
            )
            for item in run.inputs.dataset_inputs
        ),
    )
