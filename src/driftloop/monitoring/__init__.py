"""Drift monitoring: reference data profiles (and, later, drift statistics and reports)."""

from driftloop.monitoring.profile import (
    PROFILE_FORMAT_VERSION,
    CategoricalSketch,
    ColumnKind,
    ColumnProfile,
    DatasetProfile,
    NumericSketch,
    build_profile,
)

__all__ = [
    "PROFILE_FORMAT_VERSION",
    "CategoricalSketch",
    "ColumnKind",
    "ColumnProfile",
    "DatasetProfile",
    "NumericSketch",
    "build_profile",
]
