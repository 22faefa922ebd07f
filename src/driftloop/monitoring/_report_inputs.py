"""Read the two datasets of a standalone drift report (``driftloop monitor report``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.profile import DatasetProfile, build_profile

_TABLES = {".parquet", ".pq", ".csv"}


def read_table(path: Path, *, field: str) -> pd.DataFrame:
    """A ``.parquet`` or ``.csv`` file as a DataFrame.

    Raises:
        InvalidParameterError: The file is missing, of another format, or unreadable.
    """
    suffix = path.suffix.lower()
    if suffix not in _TABLES:
        raise InvalidParameterError(
            f"{field} must be a .parquet or .csv file, got {path.name!r}", field=field
        )
    if not path.is_file():
        raise InvalidParameterError(f"{field}: no file {str(path)!r}", field=field)
    try:
        return pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise InvalidParameterError(
            f"{field}: {path.name!r} is not a readable {suffix[1:]} file", field=field
        ) from error


def split_predictions(
    frame: pd.DataFrame, column: str | None, *, field: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """``frame`` without the prediction column, and that column (or None).

    Raises:
        InvalidParameterError: ``column`` is not in ``frame``.
    """
    if column is None:
        return frame, None
    if column not in frame.columns:
        raise InvalidParameterError(
            f"{field} has no prediction column {column!r}", field="prediction_column"
        )
    return frame.drop(columns=[column]), frame[column]


def read_reference(path: Path, prediction_column: str | None) -> DatasetProfile:
    """The reference profile: a ``profile.json``, or a dataset profiled here.

    Raises:
        InvalidParameterError: The file is missing, unreadable or of another format.
        ProfileError: The JSON is not a profile.
    """
    if path.suffix.lower() == ".json":
        if not path.is_file():
            raise InvalidParameterError(f"reference: no file {str(path)!r}", field="reference")
        return DatasetProfile.from_json(path.read_text(encoding="utf-8"))
    frame = read_table(path, field="reference")
    data, predictions = split_predictions(frame, prediction_column, field="reference")
    return build_profile(data, predictions=predictions)
