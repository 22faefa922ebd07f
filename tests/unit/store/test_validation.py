"""Tests for ``driftloop.store.validation``: keys, values and MLflow's batch limits."""

from __future__ import annotations

import re

import pytest

from driftloop.entities import Dataset, DatasetInput, Metric, Param, RunTag
from driftloop.errors import BatchLimitError, InvalidParameterError
from driftloop.store.validation import (
    INT64_MAX,
    validate_batch,
    validate_dataset_input,
    validate_experiment_name,
    validate_key,
    validate_max_results,
    validate_metrics,
)


@pytest.mark.parametrize(
    "key",
    ["loss", "val/loss", "a b:c-d_e.f", "é-unicode", "x" * 250, "a.b..c", "trailing."],
)
def test_valid_keys_pass(key: str) -> None:
    assert validate_key("metric", key, "metrics") == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "non-empty"),
        ("x" * 251, "limit is 250"),
        ("bad!", "may only contain"),
        ("semi;colon", "may only contain"),
        ("../up", "resolve to another name"),
        ("a/../b", "resolve to another name"),
        ("/abs", "resolve to another name"),
        ("a//b", "resolve to another name"),
        ("a/", "resolve to another name"),
        (".", "resolve to another name"),
    ],
)
def test_invalid_keys_name_the_key(key: str, reason: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(reason)) as info:
        validate_key("param", key, "params")
    assert info.value.field == "params"
    if key and len(key) <= 250:
        assert repr(key) in info.value.message


def test_non_string_key_is_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="non-empty string"):
        validate_key("tag", 42, "tags")


@pytest.mark.parametrize(
    ("metrics", "params", "tags", "message"),
    [
        ([Metric("m", 1.0, 0)] * 1001, [], [], "at most 1000 metrics"),
        ([], [Param(f"p{i}", "v") for i in range(101)], [], "at most 100 params"),
        ([], [], [RunTag(f"t{i}", "v") for i in range(101)], "at most 100 tags"),
        (
            [Metric("m", 1.0, 0)] * 901,
            [Param(f"p{i}", "v") for i in range(100)],
            [],
            "at most 1000 metrics, params and tags in total",
        ),
    ],
)
def test_batch_limits(
    metrics: list[Metric], params: list[Param], tags: list[RunTag], message: str
) -> None:
    with pytest.raises(BatchLimitError, match=re.escape(message)):
        validate_batch(metrics, params, tags)


def test_batch_at_the_limits_passes() -> None:
    validate_batch(
        [Metric("m", 1.0, 0, step) for step in range(900)],
        [Param(f"p{i}", "v" * 6000) for i in range(50)],
        [RunTag(f"t{i}", "v" * 8000) for i in range(50)],
    )


def test_param_value_over_6000_chars_names_the_key() -> None:
    with pytest.raises(InvalidParameterError, match=r"param 'big' has a value of 6001 characters"):
        validate_batch([], [Param("big", "x" * 6001)], [])


def test_tag_value_over_8000_chars_names_the_key() -> None:
    with pytest.raises(InvalidParameterError, match=r"tag 'note' has a value of 8001"):
        validate_batch([], [], [RunTag("note", "x" * 8001)])


@pytest.mark.parametrize("value", [0.5, float("nan"), float("inf"), float("-inf"), 3, -(2**70)])
def test_metric_values_allow_nan_and_infinities(value: float) -> None:
    validate_metrics([Metric("m", value, 0)])


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (Metric("m", "1.0", 0), "value of type str"),  # type: ignore[arg-type]
        (Metric("m", True, 0), "value of type bool"),
        (Metric("m", 1.0, 1.5), "timestamp of type float"),  # type: ignore[arg-type]
        (Metric("m", 1.0, 0, INT64_MAX + 1), "step 9223372036854775808 outside"),
        (Metric("bad key!", 1.0, 0), "invalid metric key 'bad key!'"),
    ],
)
def test_invalid_metrics_name_the_key(metric: Metric, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_metrics([metric])


@pytest.mark.parametrize("name", ["", "   ", "x" * 501])
def test_invalid_experiment_names(name: str) -> None:
    with pytest.raises(InvalidParameterError, match="experiment name") as info:
        validate_experiment_name(name)
    assert info.value.field == "name"


@pytest.mark.parametrize("max_results", [0, -1, 50_001, True, "10"])
def test_max_results_out_of_range(max_results: object) -> None:
    with pytest.raises(InvalidParameterError, match="max_results"):
        validate_max_results(max_results)


@pytest.mark.parametrize("max_results", [1, 1000, 50_000])
def test_max_results_in_range(max_results: int) -> None:
    assert validate_max_results(max_results) == max_results


@pytest.mark.parametrize(
    ("dataset_input", "message"),
    [
        (DatasetInput(Dataset("", "d1")), "empty name"),
        (DatasetInput(Dataset("train", "")), "empty digest"),
        (DatasetInput(Dataset("train", "d" * 37)), "has a value of 37 characters"),
        (DatasetInput(Dataset("train", "d1"), {"k": "v" * 501}), "has a value of 501"),
        (DatasetInput(Dataset("train", "d1"), {"": "v"}), "invalid input tag key"),
    ],
)
def test_invalid_dataset_inputs(dataset_input: DatasetInput, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_dataset_input(dataset_input)
