"""Tests for ``driftloop.store.search.order_by``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.errors import InvalidFilterError
from driftloop.store.search import OrderKey, parse_order_by

K = OrderKey


@pytest.mark.parametrize("order_by", [None, [], ()])
def test_no_items_means_no_keys(order_by: list[str] | None) -> None:
    assert parse_order_by(order_by) == ()
    assert parse_order_by(order_by, target="experiments") == ()


RUN_CASES = [
    ("metrics.rmse", K("metric", "rmse", ascending=True)),
    ("metrics.rmse ASC", K("metric", "rmse", ascending=True)),
    ("metrics.rmse DESC", K("metric", "rmse", ascending=False)),
    ("metrics.rmse desc", K("metric", "rmse", ascending=False)),
    ("metrics.rmse Asc", K("metric", "rmse", ascending=True)),
    ("  metric.rmse   DESC  ", K("metric", "rmse", ascending=False)),
    ("metrics.a.b DESC", K("metric", "a.b", ascending=False)),
    ("params.lr", K("param", "lr")),
    ("param.lr", K("param", "lr")),
    ("parameters.lr DESC", K("param", "lr", ascending=False)),
    ("tags.team", K("tag", "team")),
    ("tag.`mlflow.runName` DESC", K("tag", "mlflow.runName", ascending=False)),
    ('tags."my tag" ASC', K("tag", "my tag")),
    ("attributes.start_time DESC", K("attribute", "start_time", ascending=False)),
    ("attr.end_time", K("attribute", "end_time")),
    ("attribute.run_name", K("attribute", "run_name")),
    ("run.status", K("attribute", "status")),
    ("attributes.user_id", K("attribute", "user_id")),
    ("attributes.artifact_uri", K("attribute", "artifact_uri")),
    ("attributes.run_id", K("attribute", "run_id")),
    ("attributes.run_uuid", K("attribute", "run_id")),
    ("attributes.created DESC", K("attribute", "start_time", ascending=False)),
    ("attributes.`Run Name`", K("attribute", "run_name")),
    ("start_time DESC", K("attribute", "start_time", ascending=False)),
    ("created", K("attribute", "start_time")),
    ("status", K("attribute", "status")),
    ("`run name` DESC", K("attribute", "run_name", ascending=False)),
]


@pytest.mark.parametrize(("item", "key"), RUN_CASES, ids=[case[0] for case in RUN_CASES])
def test_run_item(item: str, key: OrderKey) -> None:
    assert parse_order_by([item]) == (key,)


EXPERIMENT_CASES = [
    ("name", K("attribute", "name")),
    ("name DESC", K("attribute", "name", ascending=False)),
    ("experiment_id", K("attribute", "experiment_id")),
    ("creation_time desc", K("attribute", "creation_time", ascending=False)),
    ("last_update_time", K("attribute", "last_update_time")),
    ("attributes.name ASC", K("attribute", "name")),
    ("attributes.last_update_time DESC", K("attribute", "last_update_time", ascending=False)),
]


@pytest.mark.parametrize(("item", "key"), EXPERIMENT_CASES)
def test_experiment_item(item: str, key: OrderKey) -> None:
    assert parse_order_by([item], target="experiments") == (key,)


def test_items_keep_their_order() -> None:
    assert parse_order_by(["metrics.rmse DESC", "params.lr", "start_time"]) == (
        K("metric", "rmse", ascending=False),
        K("param", "lr"),
        K("attribute", "start_time"),
    )


def test_same_key_under_different_types_is_not_a_duplicate() -> None:
    assert parse_order_by(["metrics.x", "params.x", "tags.x"]) == (
        K("metric", "x"),
        K("param", "x"),
        K("tag", "x"),
    )


def test_a_single_string_is_one_item() -> None:
    assert parse_order_by("metrics.rmse DESC") == (K("metric", "rmse", ascending=False),)


def test_error_is_400_with_field() -> None:
    with pytest.raises(InvalidFilterError, match=r"^Invalid order_by item 'foo\.x': ") as info:
        parse_order_by(["foo.x"])
    assert info.value.http_status == 400
    assert info.value.field == "order_by"


@pytest.mark.parametrize(
    ("items", "pattern"),
    [
        (["metrics.x", "metrics.x DESC"], r"'metrics.x DESC': metrics.x is already in order_by"),
        (["start_time", "attributes.created"], "attributes.start_time is already in order_by"),
        (["run_id", "attributes.run_uuid DESC"], "attributes.run_id is already in order_by"),
        (["tags.`a b`", 'tags."a b"'], r"tags.`a b` is already in order_by"),
        ([""], r"Invalid order_by item '': empty item"),
        (["   "], "empty item"),
        (
            ["metrics.x sideways"],
            r"unexpected 'sideways' \(an item is '<type>.<key> \[ASC\|DESC\]'",
        ),
        (["metrics.x DESC ASC"], "unexpected 'ASC'"),
        (["params.my key"], "quote keys containing spaces in backticks"),
        (["foo.x"], r"unknown type 'foo' in 'foo.x' \(use one of metrics, params, tags, attr"),
        (["datasets.name"], r"runs cannot sort on datasets \(use one of metrics, params"),
        (["attributes.foo"], "unknown attribute 'foo' for runs"),
        (["rmse DESC"], r"unknown attribute 'rmse' \(did you mean metrics.rmse\?"),
        (["metrics."], "missing key after 'metrics.'"),
        (["metrics.`x"], "unterminated ` quote"),
        (["DESC"], "unknown attribute 'DESC'"),
        (["metrics.x, params.y"], "unexpected ','"),
        (["= 1"], "expected an identifier"),
    ],
)
def test_run_order_by_error(items: list[str], pattern: str) -> None:
    with pytest.raises(InvalidFilterError, match=pattern):
        parse_order_by(items)


@pytest.mark.parametrize(
    ("item", "pattern"),
    [
        ("tags.x", r"experiments cannot sort on tags \(use one of attributes\)"),
        ("metrics.x", "experiments cannot sort on metrics"),
        ("start_time", r"unknown attribute 'start_time' \(use one of name, experiment_id"),
        ("attributes.run_id", "unknown attribute 'run_id' for experiments"),
    ],
)
def test_experiment_order_by_error(item: str, pattern: str) -> None:
    with pytest.raises(InvalidFilterError, match=pattern):
        parse_order_by([item], target="experiments")


def test_unknown_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="target must be 'runs' or 'experiments'"):
        parse_order_by(["name"], target="models")  # type: ignore[arg-type]


@given(
    items=st.lists(st.text(max_size=40), max_size=4),
    target=st.sampled_from(["runs", "experiments"]),
)
def test_arbitrary_items_parse_or_raise_invalid_filter(items: list[str], target: str) -> None:
    try:
        keys = parse_order_by(items, target=target)  # type: ignore[arg-type]
    except InvalidFilterError:
        return
    assert len(keys) == len(items)


@given(
    key=st.text(min_size=1, max_size=20),
    direction=st.sampled_from(["", " ASC", " DESC", " asc", " desc"]),
)
def test_any_quoted_key_round_trips(key: str, direction: str) -> None:
    item = f"params.`{key.replace('`', '``')}`{direction}"
    assert parse_order_by([item]) == (K("param", key, ascending="desc" not in direction.lower()),)
