"""Validation of what is logged: keys, values and MLflow's per-call limits.

Every check runs before the database is touched and raises an error whose message names the
offending key (and ``field`` names the argument), so a rejected ``log_batch`` writes nothing.

One deliberate difference from MLflow's server: a param value over 6000 characters raises
:class:`InvalidParameterError` here; MLflow truncates it silently. The REST layer truncates
before calling the store, so MLflow clients see MLflow's behaviour, while direct callers of the
store learn that their value would not be stored whole.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from driftloop.entities import DatasetInput, Metric, Param, RunTag
from driftloop.errors import BatchLimitError, InvalidParameterError
from driftloop.store.base import SEARCH_MAX_RESULTS_LIMIT

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_PER_BATCH = 100
MAX_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20_000
MAX_DATASET_NAME_LENGTH = 500
MAX_DATASET_DIGEST_LENGTH = 36
MAX_DATASET_SOURCE_TYPE_LENGTH = 36
MAX_DATASET_SOURCE_LENGTH = 65_535
MAX_DATASET_SCHEMA_LENGTH = 1_048_575
MAX_DATASET_PROFILE_LENGTH = 16_777_215
MAX_INPUT_TAG_KEY_LENGTH = 255
MAX_INPUT_TAG_VALUE_LENGTH = 500
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_KEY_PATTERN = re.compile(r"^[/\w.\- :]*$")


def validate_key(kind: str, key: object, field: str) -> str:
    """Check a metric/param/tag key the way MLflow does and return it.

    A key is 1..250 characters of alphanumerics, ``_ - . space / :``, and must stay the same
    when read as a path (no ``..`` segments, no leading or doubled ``/``).

    Raises:
        InvalidParameterError: The message names the key and the rule it breaks.
    """
    if not isinstance(key, str) or not key:
        raise InvalidParameterError(
            f"{kind} key must be a non-empty string, got {key!r}", field=field
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidParameterError(
            f"{kind} key {key[:50]!r}... is {len(key)} characters long; "
            f"the limit is {MAX_KEY_LENGTH}",
            field=field,
        )
    if not _KEY_PATTERN.match(key):
        raise InvalidParameterError(
            f"invalid {kind} key {key!r}: keys may only contain alphanumerics, underscores (_), "
            "dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)",
            field=field,
        )
    normalized = posixpath.normpath(key)
    if normalized != key or normalized == "." or key.startswith(("..", "/")):
        raise InvalidParameterError(
            f"invalid {kind} key {key!r}: it would resolve to another name when read as a path "
            "(no '..' or '.' segments, no leading, trailing or doubled '/')",
            field=field,
        )
    return key


def validate_string_value(kind: str, key: str, value: object, limit: int, field: str) -> str:
    """Check that a value is a string of at most ``limit`` characters and return it."""
    if not isinstance(value, str):
        raise InvalidParameterError(
            f"{kind} {key!r} has a value of type {type(value).__name__}; expected a string",
            field=field,
        )
    if len(value) > limit:
        raise InvalidParameterError(
            f"{kind} {key!r} has a value of {len(value)} characters; the limit is {limit}",
            field=field,
        )
    return value


def validate_int64(kind: str, key: str, name: str, value: object, field: str) -> int:
    """Check that ``value`` (a step or timestamp) is a 64-bit integer and return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(
            f"{kind} {key!r} has a {name} of type {type(value).__name__}; expected an integer",
            field=field,
        )
    if not INT64_MIN <= value <= INT64_MAX:
        raise InvalidParameterError(
            f"{kind} {key!r} has a {name} {value} outside the 64-bit integer range", field=field
        )
    return value


def validate_metrics(metrics: Sequence[Metric]) -> None:
    """Check metric points: key, numeric value (NaN/inf allowed), int64 timestamp and step.

    This runs for up to 1000 points per call, so each distinct key is checked once and the
    common case (a float value, in-range int step and timestamp) takes the short path.
    """
    valid_keys: set[str] = set()
    for metric in metrics:
        key, value, timestamp, step = metric.key, metric.value, metric.timestamp, metric.step
        if type(key) is not str or key not in valid_keys:
            valid_keys.add(validate_key("metric", key, "metrics"))
        if type(value) is not float and (
            isinstance(value, bool) or not isinstance(value, (int, float))
        ):
            raise InvalidParameterError(
                f"metric {key!r} has a value of type {type(value).__name__}; expected a number",
                field="metrics",
            )
        if not (type(timestamp) is int and INT64_MIN <= timestamp <= INT64_MAX):
            validate_int64("metric", key, "timestamp", timestamp, "metrics")
        if not (type(step) is int and INT64_MIN <= step <= INT64_MAX):
            validate_int64("metric", key, "step", step, "metrics")


def validate_batch(
    metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
) -> None:
    """Check a ``log_batch`` call: MLflow's limits first, then every item.

    Raises:
        BatchLimitError: Too many metrics, params, tags or entities in total.
        InvalidParameterError: A key or value is invalid; the message names it.
    """
    for name, items, limit in (
        ("metrics", metrics, MAX_METRICS_PER_BATCH),
        ("params", params, MAX_PARAMS_PER_BATCH),
        ("tags", tags, MAX_TAGS_PER_BATCH),
    ):
        if len(items) > limit:
            raise BatchLimitError(
                f"a batch logging request can contain at most {limit} {name}; got {len(items)}",
                field=name,
            )
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_ENTITIES_PER_BATCH:
        raise BatchLimitError(
            f"a batch logging request can contain at most {MAX_ENTITIES_PER_BATCH} metrics, "
            f"params and tags in total; got {total}",
            field="metrics",
        )
    validate_metrics(metrics)
    for param in params:
        key = validate_key("param", param.key, "params")
        validate_string_value("param", key, param.value, MAX_PARAM_VALUE_LENGTH, "params")
    for tag in tags:
        validate_tags({tag.key: tag.value}, "tags")


def validate_tags(
    tags: Mapping[str, str], field: str, value_limit: int = MAX_TAG_VALUE_LENGTH
) -> None:
    """Check run or experiment tags: valid keys, string values within ``value_limit``."""
    for key, value in tags.items():
        validate_key("tag", key, field)
        validate_string_value("tag", key, value, value_limit, field)


def validate_experiment_name(name: object) -> str:
    """Check an experiment name (non-empty, at most 500 characters) and return it."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(
            f"experiment name must be a non-empty string, got {name!r}", field="name"
        )
    if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        raise InvalidParameterError(
            f"experiment name {name[:50]!r}... is {len(name)} characters long; "
            f"the limit is {MAX_EXPERIMENT_NAME_LENGTH}",
            field="name",
        )
    return name


def validate_max_results(max_results: object, limit: int = SEARCH_MAX_RESULTS_LIMIT) -> int:
    """Check a page size (1..``limit``) and return it."""
    if isinstance(max_results, bool) or not isinstance(max_results, int):
        raise InvalidParameterError(
            f"max_results must be an integer, got {max_results!r}", field="max_results"
        )
    if not 1 <= max_results <= limit:
        raise InvalidParameterError(
            f"max_results must be between 1 and {limit}, got {max_results}",
            field="max_results",
        )
    return max_results


def validate_dataset_input(dataset_input: DatasetInput) -> None:
    """Check a dataset input: name/digest present, MLflow's size limits, input tags."""
    dataset = dataset_input.dataset
    name = dataset.name
    for attribute, value, limit in (
        ("name", dataset.name, MAX_DATASET_NAME_LENGTH),
        ("digest", dataset.digest, MAX_DATASET_DIGEST_LENGTH),
        ("source_type", dataset.source_type, MAX_DATASET_SOURCE_TYPE_LENGTH),
        ("source", dataset.source, MAX_DATASET_SOURCE_LENGTH),
        ("schema", dataset.schema, MAX_DATASET_SCHEMA_LENGTH),
        ("profile", dataset.profile, MAX_DATASET_PROFILE_LENGTH),
    ):
        validate_string_value("dataset", name, value, limit, f"datasets.{attribute}")
        if attribute in {"name", "digest"} and not value:
            raise InvalidParameterError(
                f"dataset {name!r} has an empty {attribute}", field=f"datasets.{attribute}"
            )
    for key, value in dataset_input.tags.items():
        if not isinstance(key, str) or not key or len(key) > MAX_INPUT_TAG_KEY_LENGTH:
            raise InvalidParameterError(
                f"dataset {name!r} has an invalid input tag key {key!r} "
                f"(1..{MAX_INPUT_TAG_KEY_LENGTH} characters)",
                field="datasets.tags",
            )
        validate_string_value("input tag", key, value, MAX_INPUT_TAG_VALUE_LENGTH, "datasets.tags")
