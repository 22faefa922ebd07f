"""Schemas and helpers shared by the ``enforce_signature`` tests (``test_enforcement_*.py``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import ColumnSpec, DataType, Schema


def columns(**types: DataType) -> Schema:
    return Schema(columns=tuple(ColumnSpec(name, kind) for name, kind in types.items()))


def one(kind: DataType) -> Schema:
    return columns(c=kind)


def enforce_one(values: Any, kind: DataType) -> pd.Series:
    result = enforce_signature(pd.DataFrame({"c": values}), one(kind)).data
    assert isinstance(result, pd.DataFrame)
    return result["c"]


SCHEMA = columns(age=DataType.LONG, income=DataType.DOUBLE, city=DataType.STRING)
