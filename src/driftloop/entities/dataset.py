"""Datasets a run consumed, identified by content digest."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset, identified by name and content digest.

    Attributes:
        name: Human name, e.g. ``"churn-train"``.
        digest: Short content hash; two logs of the same data have the same digest.
        source_type: Kind of source (``local``, ``s3``, ``http``, ``code``...).
        source: JSON text locating the source.
        schema: JSON text describing columns and types.
        profile: JSON text with summary statistics (row count, etc.).
    """

    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """A dataset used by a run, with input tags (e.g. ``mlflow.data.context=training``)."""

    dataset: Dataset
    tags: dict[str, str] = field(default_factory=dict)
