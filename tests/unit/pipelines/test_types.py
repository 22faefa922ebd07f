from __future__ import annotations

import inspect
from typing import Any, Literal, Optional, Protocol

import numpy as np
import pandas as pd
import pytest

from driftloop.pipelines._types import compatible, describe, matches


class _Shape(Protocol):
    def area(self) -> float: ...


@pytest.mark.parametrize(
    ("value", "annotation", "expected"),
    [
        (1, int, True),
        (1, float, True),
        (1.5, int, False),
        (True, float, False),
        (np.float64(1.5), float, True),
        (np.int64(3), float, True),
        ("a", str | None, True),
        (None, Optional[str], True),  # noqa: UP045 - the old spelling must work too
        (None, str, False),
        ([1, 2], list[int], True),
        ((1, 2), list[int], False),
        ("b", Literal["a", "b"], True),
        ("c", Literal["a", "b"], False),
        (pd.DataFrame(), pd.DataFrame, True),
        (pd.Series(dtype=float), pd.DataFrame, False),
        (object(), Any, True),
        (object(), inspect.Parameter.empty, True),
        (object(), "pd.DataFrame", True),
        (object(), _Shape, True),
        (None, None, True),
    ],
)
def test_matches(value: object, annotation: object, expected: bool) -> None:
    assert matches(value, annotation) is expected


@pytest.mark.parametrize(
    ("produced", "expected", "result"),
    [
        (int, float, True),
        (bool, float, False),
        (pd.DataFrame, pd.DataFrame, True),
        (pd.DataFrame, np.ndarray, False),
        (object, pd.DataFrame, True),
        (list[int], tuple, True),
        (Any, int, True),
    ],
)
def test_compatible(produced: object, expected: object, result: bool) -> None:
    assert compatible(produced, expected) is result


def test_describe() -> None:
    assert describe(pd.DataFrame) == "DataFrame"
    assert describe(list[int]) == "list[int]"
    assert describe(Optional[int]) == "Optional[int]"  # noqa: UP045
