"""A metric of a log-metric or log-batch body (``run_logging.metric_from_json``).

The mlflow client's shape (string key, float value, integer timestamp and step) is built
directly; every other shape goes through the validating accessors. Both must give the same
points, and bad input must still name its field.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from driftloop.entities import Metric
from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api.run_logging import metric_from_json


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"key": "loss", "value": 0.5, "timestamp": 7, "step": 3}, Metric("loss", 0.5, 7, 3)),
        ({"key": "loss", "value": 0.5, "timestamp": 7}, Metric("loss", 0.5, 7, 0)),
        ({"key": "loss", "value": 1, "timestamp": 7, "step": 3}, Metric("loss", 1.0, 7, 3)),
        ({"key": "loss", "value": 0.5, "timestamp": 7.0, "step": "3"}, Metric("loss", 0.5, 7, 3)),
        ({"key": "loss", "value": 0.5, "timestamp": "7", "step": None}, Metric("loss", 0.5, 7, 0)),
        ({"key": "loss", "value": "-Infinity", "timestamp": 7}, Metric("loss", -math.inf, 7, 0)),
        ({"key": 12, "value": 0.5, "timestamp": 7, "step": 1}, Metric("12", 0.5, 7, 1)),
    ],
)
def test_every_accepted_shape_gives_the_same_point(item: dict[str, Any], expected: Metric) -> None:
    assert metric_from_json(item, "metrics") == expected


def test_nan_from_the_client_shape_and_from_the_string() -> None:
    direct = metric_from_json({"key": "k", "value": math.nan, "timestamp": 1, "step": 0}, None)
    spelled = metric_from_json({"key": "k", "value": "NaN", "timestamp": 1, "step": 0}, None)
    assert math.isnan(direct.value)
    assert math.isnan(spelled.value)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"key": "", "value": 0.5, "timestamp": 7, "step": 0}, "'key'"),
        ({"value": 0.5, "timestamp": 7, "step": 0}, "'key'"),
        ({"key": "k", "value": True, "timestamp": 7, "step": 0}, "'value'"),
        ({"key": "k", "value": 0.5, "step": 0}, "'timestamp'"),
        ({"key": "k", "value": 0.5, "timestamp": True, "step": 0}, "'timestamp'"),
        ({"key": "k", "value": 0.5, "timestamp": 7, "step": 1.5}, "'step'"),
        ({"key": "k", "value": 0.5, "timestamp": 7, "step": False}, "'step'"),
        ({"key": ["k"], "value": 0.5, "timestamp": 7, "step": 0}, "'key'"),
    ],
)
def test_bad_items_name_the_batch_field_and_the_value(item: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        metric_from_json(item, "metrics")
    assert caught.value.field == "metrics"
    assert caught.value.message.startswith("metrics: ")
    assert message in caught.value.message
