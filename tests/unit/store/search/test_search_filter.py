"""Tests for ``driftloop.store.search.filter`` (MLflow's AND-only filter grammar)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.errors import InvalidFilterError
from driftloop.store import search
from driftloop.store.search import Clause, parse_search_filter

C = Clause


def test_public_names_are_exactly_all() -> None:
    assert sorted(search.__all__) == [
        "Clause",
        "OrderKey",
        "decode_page_token",
        "encode_page_token",
        "parse_order_by",
        "parse_search_filter",
    ]
    assert all(hasattr(search, name) for name in search.__all__)


@pytest.mark.parametrize("text", [None, "", " ", "\t\n  "])
def test_empty_filter_has_no_clauses(text: str | None) -> None:
    assert parse_search_filter(text) == ()
    assert parse_search_filter(text, target="experiments") == ()


RUN_CASES = [
    # metrics: every comparator, number shapes, aliases
    ("metrics.rmse = 1", C("metric", "rmse", "=", 1.0)),
    ("metrics.rmse != 1.5", C("metric", "rmse", "!=", 1.5)),
    ("metrics.rmse > -2", C("metric", "rmse", ">", -2.0)),
    ("metrics.rmse >= +3", C("metric", "rmse", ">=", 3.0)),
    ("metrics.rmse < 1e-3", C("metric", "rmse", "<", 0.001)),
    ("metrics.rmse <= .5", C("metric", "rmse", "<=", 0.5)),
    ("metrics.rmse<=2.5E2", C("metric", "rmse", "<=", 250.0)),
    ("metric.acc > 0", C("metric", "acc", ">", 0.0)),
    ("METRICS.acc > 0", C("metric", "acc", ">", 0.0)),
    ("metrics.a.b > 0", C("metric", "a.b", ">", 0.0)),
    ("metrics.val-loss > 0", C("metric", "val-loss", ">", 0.0)),
    ("metrics.`a b` > 0", C("metric", "a b", ">", 0.0)),
    # params
    ("params.lr = '0.1'", C("param", "lr", "=", "0.1")),
    ("params.lr != '0.1'", C("param", "lr", "!=", "0.1")),
    ("params.model LIKE 'xgb%'", C("param", "model", "LIKE", "xgb%")),
    ("params.model ilike '%XGB'", C("param", "model", "ILIKE", "%XGB")),
    ("params.model IS NULL", C("param", "model", "IS NULL", None)),
    ("params.model is not null", C("param", "model", "IS NOT NULL", None)),
    ("param.x = 'a'", C("param", "x", "=", "a")),
    ("parameter.x = 'a'", C("param", "x", "=", "a")),
    ("parameters.x = 'a'", C("param", "x", "=", "a")),
    ('params."my key" = "v"', C("param", "my key", "=", "v")),
    # tags
    ("tags.team = 'ml'", C("tag", "team", "=", "ml")),
    ("tags.team != 'ml'", C("tag", "team", "!=", "ml")),
    ("tags.team LIKE 'm_'", C("tag", "team", "LIKE", "m_")),
    ("tags.team ILIKE 'M%'", C("tag", "team", "ILIKE", "M%")),
    ("tags.team IS NULL", C("tag", "team", "IS NULL", None)),
    ("tags.team IS  NOT\tNULL", C("tag", "team", "IS NOT NULL", None)),
    ("tag.team = 'ml'", C("tag", "team", "=", "ml")),
    ("tags.`mlflow.runName` = 'r'", C("tag", "mlflow.runName", "=", "r")),
    ("tags.mlflow.runName = 'r'", C("tag", "mlflow.runName", "=", "r")),
    ("tags.`a``b` = 'r'", C("tag", "a`b", "=", "r")),
    # string attributes, with every alias of the type
    ("attributes.run_name = 'a'", C("attribute", "run_name", "=", "a")),
    ("attribute.run_name != 'a'", C("attribute", "run_name", "!=", "a")),
    ("attr.user_id LIKE 'a%'", C("attribute", "user_id", "LIKE", "a%")),
    ("run.artifact_uri ILIKE 's3://%'", C("attribute", "artifact_uri", "ILIKE", "s3://%")),
    ("attributes.run_id = 'abc'", C("attribute", "run_id", "=", "abc")),
    ("attributes.run_uuid = 'abc'", C("attribute", "run_id", "=", "abc")),
    ("attributes.run_id IN ('a', \"b\")", C("attribute", "run_id", "IN", ("a", "b"))),
    ("attributes.run_id not in ('a')", C("attribute", "run_id", "NOT IN", ("a",))),
    ("attributes.run_id IN('a','b','c')", C("attribute", "run_id", "IN", ("a", "b", "c"))),
    ("attributes.`Run name` = 'x'", C("attribute", "run_name", "=", "x")),
    ("attributes.\"run name\" = 'x'", C("attribute", "run_name", "=", "x")),
    ("attributes.status = 'RUNNING'", C("attribute", "status", "=", "RUNNING")),
    ("attributes.status != 'KILLED'", C("attribute", "status", "!=", "KILLED")),
    ("attributes.status LIKE 'FIN%'", C("attribute", "status", "LIKE", "FIN%")),
    # numeric attributes
    ("attributes.start_time = 1", C("attribute", "start_time", "=", 1)),
    ("attributes.start_time != 1", C("attribute", "start_time", "!=", 1)),
    ("attributes.start_time > 1700000000000", C("attribute", "start_time", ">", 1700000000000)),
    ("attributes.end_time >= 2", C("attribute", "end_time", ">=", 2)),
    ("attributes.end_time < -3", C("attribute", "end_time", "<", -3)),
    ("attributes.end_time <= 4", C("attribute", "end_time", "<=", 4)),
    ("attributes.created > 5", C("attribute", "start_time", ">", 5)),
    ("attributes.Created > 5", C("attribute", "start_time", ">", 5)),
    # datasets
    ("datasets.name = 'iris'", C("dataset", "name", "=", "iris")),
    ("datasets.digest != 'ab12'", C("dataset", "digest", "!=", "ab12")),
    ("datasets.context LIKE 'tr%'", C("dataset", "context", "LIKE", "tr%")),
    ("dataset.name ILIKE 'I%'", C("dataset", "name", "ILIKE", "I%")),
    ("datasets.digest IN ('a', 'b')", C("dataset", "digest", "IN", ("a", "b"))),
    ("datasets.context NOT IN ('test')", C("dataset", "context", "NOT IN", ("test",))),
]


@pytest.mark.parametrize(("text", "clause"), RUN_CASES, ids=[case[0] for case in RUN_CASES])
def test_run_clause(text: str, clause: Clause) -> None:
    assert parse_search_filter(text) == (clause,)
    assert type(parse_search_filter(text)[0].value) is type(clause.value)


EXPERIMENT_CASES = [
    ("name = 'a'", C("attribute", "name", "=", "a")),
    ("attributes.name != 'a'", C("attribute", "name", "!=", "a")),
    ("attribute.name LIKE 'a%'", C("attribute", "name", "LIKE", "a%")),
    ("attr.name ILIKE 'A%'", C("attribute", "name", "ILIKE", "A%")),
    ("experiment_id = '1'", C("attribute", "experiment_id", "=", "1")),
    ("experiment_id != '1'", C("attribute", "experiment_id", "!=", "1")),
    ("experiment_id IN ('1', '2')", C("attribute", "experiment_id", "IN", ("1", "2"))),
    ("attributes.experiment_id NOT IN ('1')", C("attribute", "experiment_id", "NOT IN", ("1",))),
    ("creation_time > 10", C("attribute", "creation_time", ">", 10)),
    ("attributes.creation_time <= 10", C("attribute", "creation_time", "<=", 10)),
    ("last_update_time = 7", C("attribute", "last_update_time", "=", 7)),
    ("last_update_time != 7", C("attribute", "last_update_time", "!=", 7)),
    ("last_update_time >= 7", C("attribute", "last_update_time", ">=", 7)),
    ("last_update_time < 7", C("attribute", "last_update_time", "<", 7)),
    ("tags.owner = 'me'", C("tag", "owner", "=", "me")),
    ("tags.owner != 'me'", C("tag", "owner", "!=", "me")),
    ("tags.owner LIKE 'm%'", C("tag", "owner", "LIKE", "m%")),
    ("tag.owner ILIKE 'M%'", C("tag", "owner", "ILIKE", "M%")),
    ("tags.owner IS NULL", C("tag", "owner", "IS NULL", None)),
    ("tags.`owner.name` IS NOT NULL", C("tag", "owner.name", "IS NOT NULL", None)),
]


@pytest.mark.parametrize(
    ("text", "clause"), EXPERIMENT_CASES, ids=[case[0] for case in EXPERIMENT_CASES]
)
def test_experiment_clause(text: str, clause: Clause) -> None:
    assert parse_search_filter(text, target="experiments") == (clause,)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("params.x = 'it''s'", "it's"),
        ("params.x = 'it\\'s'", "it's"),
        ('params.x = "say ""hi"""', 'say "hi"'),
        ('params.x = "say \\"hi\\""', 'say "hi"'),
        ("params.x = 'back\\\\slash'", "back\\slash"),
        ("params.x = 'a\\_b'", "a\\_b"),
        ("params.x = ''", ""),
        ("params.x = 'a AND b OR (c)'", "a AND b OR (c)"),
        ("params.x = 'ünï ✓'", "ünï ✓"),
        ("params.x = 'two\nlines'", "two\nlines"),
    ],
)
def test_string_values_are_unquoted_and_unescaped(text: str, value: str) -> None:
    assert parse_search_filter(text) == (C("param", "x", "=", value),)


def test_conjunction_keeps_order_and_ignores_case_of_and() -> None:
    text = (
        "metrics.rmse < 0.5 and params.model = 'xgb' AnD attributes.status = 'FINISHED' "
        "AND tags.x IS NULL"
    )
    assert parse_search_filter(text) == (
        C("metric", "rmse", "<", 0.5),
        C("param", "model", "=", "xgb"),
        C("attribute", "status", "=", "FINISHED"),
        C("tag", "x", "IS NULL", None),
    )


def test_clauses_need_no_spaces() -> None:
    assert parse_search_filter("metrics.x>1 AND params.y='a'") == (
        C("metric", "x", ">", 1.0),
        C("param", "y", "=", "a"),
    )


def test_and_inside_in_list_and_quotes_does_not_split() -> None:
    assert parse_search_filter("attributes.run_id IN ('a AND b', 'c') AND tags.t = 'OR'") == (
        C("attribute", "run_id", "IN", ("a AND b", "c")),
        C("tag", "t", "=", "OR"),
    )


def test_error_is_400_with_field() -> None:
    with pytest.raises(InvalidFilterError, match="comparator LIKE") as info:
        parse_search_filter("metrics.rmse LIKE 0.5")
    assert info.value.http_status == 400
    assert info.value.code == "INVALID_PARAMETER_VALUE"
    assert info.value.field == "filter"


EXACT_ERRORS = [
    (
        "metrics.rmse LIKE 0.5",
        (
            "Invalid clause 'metrics.rmse LIKE 0.5': comparator LIKE is not allowed for metrics "
            "(use one of =, !=, >, >=, <, <=)"
        ),
    ),
    (
        "metrics.x > 1 OR metrics.y > 2",
        "Invalid filter 'metrics.x > 1 OR metrics.y > 2': OR is not supported; only AND of clauses",
    ),
    (
        "rmse > 1",
        (
            "Invalid clause 'rmse > 1': identifier 'rmse' has no type prefix (did you mean "
            "metrics.rmse? Use <type>.<key> with type one of metrics, params, tags, attributes, "
            "datasets)"
        ),
    ),
]


@pytest.mark.parametrize(("text", "message"), EXACT_ERRORS)
def test_error_message_text(text: str, message: str) -> None:
    with pytest.raises(InvalidFilterError, match=f"^{re.escape(message)}$"):
        parse_search_filter(text)


RUN_ERRORS = [
    # grammar
    ("metrics.x > 1 or metrics.y > 2", "OR is not supported; only AND of clauses"),
    ("(metrics.x > 1)", "parentheses are not supported; only AND of clauses"),
    ("metrics.x > 1 AND (params.y = 'a')", "parentheses are not supported"),
    ("metrics.x > (1)", "parentheses are not supported"),
    ("attributes.run_id IN (('a'))", "parentheses are not supported"),
    ("metrics.x > 1)", "parentheses are not supported"),
    ("attributes.run_id IN ('a'", "unclosed parenthesis"),
    ("AND metrics.x > 1", "empty clause"),
    ("metrics.x > 1 AND", "empty clause"),
    ("metrics.x > 1 AND AND metrics.y > 1", "empty clause"),
    ("metrics.x > 1 metrics.y > 1", r"Invalid clause 'metrics.x > 1 metrics.y > 1': unexpected"),
    ("params.x = 'a", "unterminated ' quote starting at position 11"),
    ('params.x = "a', 'unterminated " quote'),
    ("tags.`x = 'a'", "unterminated ` quote"),
    ("params.x = 'a' ; DROP TABLE runs", "unexpected character ';'"),
    ("metrics.x ! 1", "unexpected character '!'"),
    # identifiers
    ("rmse > 1", r"'rmse' has no type prefix \(did you mean metrics.rmse\?"),
    ("start_time > 1", r"no type prefix \(write attributes.start_time\)"),
    ("`my metric` > 1", r"did you mean metrics.`my metric`\?"),
    ("foo.bar = 'x'", r"unknown type 'foo' in 'foo.bar' \(use one of metrics, params, tags"),
    ("params. = 'x'", r"missing key after 'params.'"),
    ("params.'x' = 'x'", "quote keys with special characters in backticks or double quotes"),
    ("params.`` = 'x'", "empty key in 'params.``'"),
    ("attributes.foo = 'x'", r"unknown attribute 'foo' for runs \(use one of run_id, run_name"),
    ("attributes.experiment_id = '1'", "unknown attribute 'experiment_id' for runs"),
    ("datasets.foo = 'x'", r"unknown dataset key 'foo' \(use one of name, digest, context\)"),
    ("= 1", "expected an identifier <type>.<key>"),
    ("'params.x' = 'a'", "expected an identifier"),
    ("NOT params.x = 'a'", "NOT is only supported in NOT IN and IS NOT NULL"),
    # comparators
    ("metrics.x", "missing comparator after 'metrics.x'"),
    ("metrics.x 1", "expected a comparator after 'metrics.x', found '1'"),
    ("metrics.x == 1", r"comparator == is not supported \(use =\)"),
    ("metrics.x <> 1", r"comparator <> is not supported \(use !=\)"),
    ("params.x NOT LIKE 'a'", "comparator NOT LIKE is not supported"),
    ("params.x IS 'a'", "expected a comparator"),
    ("metrics.x IS NULL", "comparator IS NULL is not allowed for metrics"),
    ("metrics.x IN ('1')", "comparator IN is not allowed for metrics"),
    ("params.x > '1'", r"comparator > is not allowed for params \(use one of =, !=, LIKE"),
    ("params.x IN ('1')", "comparator IN is not allowed for params"),
    ("tags.x < 'a'", "comparator < is not allowed for tags"),
    ("attributes.run_name IN ('a')", "comparator IN is not allowed for attribute run_name"),
    ("attributes.status NOT IN ('a')", "comparator NOT IN is not allowed for attribute status"),
    ("attributes.status IS NULL", "comparator IS NULL is not allowed for attribute status"),
    ("attributes.start_time LIKE 1", "comparator LIKE is not allowed for attribute start_time"),
    ("attributes.created IN ('1')", "comparator IN is not allowed for attribute start_time"),
    ("datasets.name > 'a'", "comparator > is not allowed for dataset name"),
    ("datasets.name IS NULL", "comparator IS NULL is not allowed for dataset name"),
    # values
    ("metrics.x >", "missing value after >"),
    ("metrics.x = '1'", "metric values must be unquoted numbers, found the string '1'"),
    ("metrics.x = nan", "expected a number for the metric, found 'nan'"),
    ("metrics.x = 1e999", "out of the float range"),
    ("metrics.x = 1 2", "unexpected '2' after the value"),
    ("params.x = 1", r"expected a quoted string value, found 1 \(write '1'\)"),
    ("params.x = abc", r"found abc \(write 'abc'\)"),
    ("params.x = `abc`", "expected a quoted string value, found `abc`"),
    ("tags.x != null", r"found null \(use IS NULL or IS NOT NULL"),
    ("params.x IS NULL 'a'", "unexpected"),
    ("attributes.start_time = 1.5", "expected an unquoted integer"),
    ("attributes.start_time = 1e3", "expected an unquoted integer"),
    ("attributes.start_time = '1'", "expected an unquoted integer"),
    ("attributes.end_time > 9223372036854775808", "out of the 64-bit integer range"),
    ("attributes.end_time > " + "9" * 5000, "out of the 64-bit integer range"),
    ("attributes.status = 'running'", r"unknown run status 'running' \(use one of RUNNING"),
    ("attributes.status != 'DONE'", "unknown run status 'DONE'"),
    # IN lists
    ("attributes.run_id IN 'a'", r"IN takes a parenthesised list of quoted strings"),
    ("attributes.run_id NOT IN", "NOT IN takes a parenthesised list"),
    ("attributes.run_id IN ()", "the list must not be empty"),
    ("attributes.run_id IN ('a',)", r"expected a quoted string in the IN list, found '\)'"),
    ("attributes.run_id IN ('a' 'b')", r"expected ',' or '\)' in the IN list"),
    ("attributes.run_id IN (1, 2)", "expected a quoted string in the IN list, found '1'"),
    ("datasets.name IN ('a', b)", "found 'b'"),
]


@pytest.mark.parametrize(("text", "pattern"), RUN_ERRORS, ids=[case[0][:60] for case in RUN_ERRORS])
def test_run_filter_error(text: str, pattern: str) -> None:
    with pytest.raises(InvalidFilterError, match=pattern):
        parse_search_filter(text)


EXPERIMENT_ERRORS = [
    ("metrics.x > 1", r"experiments cannot filter on metrics \(use one of attributes, tags\)"),
    ("params.x = 'a'", "experiments cannot filter on params"),
    ("datasets.name = 'a'", "experiments cannot filter on datasets"),
    ("foo = 'a'", r"unknown attribute 'foo' \(use one of name, experiment_id, creation_time"),
    ("attributes.run_id = 'a'", "unknown attribute 'run_id' for experiments"),
    ("name IN ('a')", "comparator IN is not allowed for attribute name"),
    ("experiment_id LIKE '1%'", "comparator LIKE is not allowed for attribute experiment_id"),
    ("experiment_id = 1", r"expected a quoted string value, found 1 \(write '1'\)"),
    ("creation_time = '1'", "expected an unquoted integer"),
    ("creation_time LIKE '1'", "comparator LIKE is not allowed for attribute creation_time"),
    ("name = 'a' OR name = 'b'", "OR is not supported"),
]


@pytest.mark.parametrize(("text", "pattern"), EXPERIMENT_ERRORS)
def test_experiment_filter_error(text: str, pattern: str) -> None:
    with pytest.raises(InvalidFilterError, match=pattern):
        parse_search_filter(text, target="experiments")


def test_error_quotes_only_the_bad_clause() -> None:
    with pytest.raises(InvalidFilterError, match=r"^Invalid clause 'params\.y > 1': "):
        parse_search_filter("metrics.x > 1 AND params.y > 1 AND tags.z = 'a'")


def test_unknown_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="target must be 'runs' or 'experiments'"):
        parse_search_filter("metrics.x > 1", target="models")  # type: ignore[arg-type]


@given(text=st.text(max_size=200), target=st.sampled_from(["runs", "experiments"]))
def test_arbitrary_text_parses_or_raises_invalid_filter(text: str, target: str) -> None:
    try:
        clauses = parse_search_filter(text, target=target)  # type: ignore[arg-type]
    except InvalidFilterError:
        return
    assert all(isinstance(clause, Clause) for clause in clauses)


_FRAGMENTS = [
    "metrics.x", "params.p", "tags.`t t`", "attributes.run_id", "attributes.start_time",
    "datasets.name", "name", "creation_time", "experiment_id", "rmse", "=", "!=", ">", "<=",
    "LIKE", "ilike", "IN", "NOT", "IS", "NULL", "AND", "and", "OR", "(", ")", ",", "'a'",
    '"b"', "'RUNNING'", "1", "-2.5", "1e3", "''", "`", "'", '"', "params.", "x",
]  # fmt: skip


@given(
    parts=st.lists(st.sampled_from(_FRAGMENTS), max_size=12),
    separator=st.sampled_from([" ", ""]),
    target=st.sampled_from(["runs", "experiments"]),
)
def test_near_grammatical_text_parses_or_raises_invalid_filter(
    parts: list[str], separator: str, target: str
) -> None:
    text = separator.join(parts)
    try:
        parse_search_filter(text, target=target)  # type: ignore[arg-type]
    except InvalidFilterError:
        with pytest.raises(InvalidFilterError, match=r"^Invalid (clause|filter) "):
            parse_search_filter(text, target=target)  # type: ignore[arg-type]


def _sql_quote(value: str, quote: str) -> str:
    return quote + value.replace("\\", "\\\\").replace(quote, quote * 2) + quote


@given(
    key=st.text(min_size=1, max_size=20),
    value=st.text(max_size=20),
    quote=st.sampled_from(["'", '"']),
)
def test_any_quoted_key_and_value_round_trip(key: str, value: str, quote: str) -> None:
    text = f"tags.`{key.replace('`', '``')}` = {_sql_quote(value, quote)}"
    assert parse_search_filter(text) == (C("tag", key, "=", value),)


@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_metric_numbers_round_trip(value: float) -> None:
    assert parse_search_filter(f"metrics.m >= {value!r}") == (C("metric", "m", ">=", value),)


@given(value=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_timestamps_round_trip(value: int) -> None:
    assert parse_search_filter(f"attributes.end_time = {value}") == (
        C("attribute", "end_time", "=", value),
    )
