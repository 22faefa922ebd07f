"""Artifact storage: one repository interface, a local and an S3 backend, a URI dispatcher."""

from driftloop.artifacts.base import ArtifactRepository
from driftloop.artifacts.local import LocalArtifactRepository
from driftloop.artifacts.paths import (
    join_artifact_path,
    validate_artifact_file,
    validate_artifact_path,
)
from driftloop.artifacts.registry import SUPPORTED_SCHEMES, get_artifact_repository
from driftloop.artifacts.s3 import S3ArtifactRepository

__all__ = [
    "SUPPORTED_SCHEMES",
    "ArtifactRepository",
    "LocalArtifactRepository",
    "S3ArtifactRepository",
    "get_artifact_repository",
    "join_artifact_path",
    "validate_artifact_file",
    "validate_artifact_path",
]
