"""Parser for MLflow's search filter grammar: ``clause AND clause ...``.

A clause is ``<type>.<key> <comparator> <value>``. Types (with aliases): ``metrics``
(``metric``), ``params`` (``param``, ``parameter``, ``parameters``), ``tags`` (``tag``),
``attributes`` (``attribute``, ``attr``, ``run``) and ``datasets`` (``dataset``). Keys
with dots, spaces or other specials are quoted with backticks or double quotes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

from driftloop.entities.lifecycle import RunStatus
from driftloop.errors import InvalidFilterError
from driftloop.store.search import _schema
from driftloop.store.search._identifier import read_identifier, resolve_identifier
from driftloop.store.search._lexer import SearchSyntaxError, Token, tokenize

EntityType = Literal["metric", "param", "tag", "attribute", "dataset"]
Comparator = Literal[
    "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"
]
SearchTarget = Literal["runs", "experiments"]

_OPERATORS: Final[dict[str, Comparator]] = {
    "=": "=",
    "!=": "!=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
}
_OPERATOR_HINTS: Final = {"==": "=", "<>": "!="}
# Longest first, so that IS NOT NULL wins over IS NULL and NOT IN is one comparator.
_KEYWORD_COMPARATORS: Final[tuple[tuple[tuple[str, ...], Comparator], ...]] = (
    (("IS", "NOT", "NULL"), "IS NOT NULL"),
    (("IS", "NULL"), "IS NULL"),
    (("NOT", "IN"), "NOT IN"),
    (("LIKE",), "LIKE"),
    (("ILIKE",), "ILIKE"),
    (("IN",), "IN"),
)
_ALL_COMPARATORS: Final = ", ".join(get_args(Comparator))
_NO_GROUPING: Final = (
    "parentheses are not supported; only AND of clauses (parentheses may only enclose the "
    "list after IN or NOT IN)"
)
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_MAX_INT64_DIGITS: Final = 19


@dataclass(frozen=True, slots=True)
class Clause:
    """One parsed filter clause.

    Attributes:
        entity_type: What the key refers to (aliases already resolved).
        key: The unquoted key. For attributes it is the canonical name (``created`` →
            ``start_time``; ``run_uuid`` → ``run_id``; ``run_name`` ...).
        comparator: Upper-cased comparator.
        value: ``float`` for metrics, ``int`` for numeric attributes
            (``start_time``, ``end_time``, ``creation_time``, ``last_update_time``),
            ``tuple[str, ...]`` for ``IN``/``NOT IN``, ``None`` for ``IS [NOT] NULL``,
            else ``str``.
    """

    entity_type: EntityType
    key: str
    comparator: Comparator
    value: str | float | int | tuple[str, ...] | None


def parse_search_filter(
    filter_string: str | None, *, target: SearchTarget = "runs"
) -> tuple[Clause, ...]:
    """Parse a filter string into clauses (empty or None → no clauses).

    Args:
        filter_string: ``clause AND clause ...``, e.g.
            ``"metrics.rmse < 0.5 AND params.model = 'xgb' AND attributes.status = 'FINISHED'"``.
        target: ``"runs"`` or ``"experiments"``; decides which types and attributes exist.

    Returns:
        The clauses in the order written.

    Raises:
        InvalidFilterError: The message quotes the bad clause and says what is wrong
            (unknown type, unknown attribute, comparator not allowed for the type, value of
            the wrong type, unbalanced quotes, ``OR``/parentheses not supported ...).
    """
    if target not in _schema.FILTER_TYPES:
        raise ValueError(f"target must be 'runs' or 'experiments', not {target!r}")
    if not filter_string or filter_string.isspace():
        return ()
    try:
        tokens = tokenize(filter_string)
    except SearchSyntaxError as exc:
        raise _filter_error(filter_string, str(exc)) from None
    return tuple(
        _parse_clause(filter_string, group, target)
        for group in _split_clauses(filter_string, tokens)
    )


def _filter_error(filter_string: str, reason: str) -> InvalidFilterError:
    return InvalidFilterError(f"Invalid filter {filter_string!r}: {reason}", field="filter")


def _split_clauses(filter_string: str, tokens: Sequence[Token]) -> list[list[Token]]:
    """Split on top-level AND, rejecting OR and parentheses that do not enclose an IN list."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "(":
            previous = groups[-1][-1] if groups[-1] else None
            if depth or previous is None or not previous.is_word("IN"):
                raise _filter_error(filter_string, _NO_GROUPING)
            depth += 1
        elif token.kind == ")":
            if not depth:
                raise _filter_error(filter_string, _NO_GROUPING)
            depth -= 1
        elif not depth and token.is_word("OR"):
            raise _filter_error(filter_string, "OR is not supported; only AND of clauses")
        elif not depth and token.is_word("AND"):
            groups.append([])
            continue
        groups[-1].append(token)
    if depth:
        raise _filter_error(filter_string, "unclosed parenthesis in an IN list")
    if not all(groups):
        raise _filter_error(filter_string, "empty clause (AND must join two clauses)")
    return groups


def _parse_clause(filter_string: str, tokens: Sequence[Token], target: SearchTarget) -> Clause:
    try:
        return _clause(tokens, target)
    except SearchSyntaxError as exc:
        text = filter_string[tokens[0].start : tokens[-1].end]
        raise InvalidFilterError(f"Invalid clause {text!r}: {exc}", field="filter") from None


def _clause(tokens: Sequence[Token], target: SearchTarget) -> Clause:
    if tokens[0].is_word("NOT"):
        raise SearchSyntaxError("NOT is only supported in NOT IN and IS NOT NULL")
    raw, pos = read_identifier(tokens, 0)
    entity_type, key = resolve_identifier(raw, target)
    comparator, pos = _read_comparator(tokens, pos, raw.text)
    allowed = _schema.comparators_for(entity_type, key, target)
    if comparator not in allowed:
        raise SearchSyntaxError(
            f"comparator {comparator} is not allowed for {_schema.subject(entity_type, key)} "
            f"(use one of {', '.join(allowed)})"
        )
    value, pos = _read_value(tokens, pos, comparator, _schema.value_kind(entity_type, key, target))
    if pos < len(tokens):
        raise SearchSyntaxError(
            f"unexpected {tokens[pos].text!r} after the value (join clauses with AND)"
        )
    if entity_type == "attribute" and key == "status" and comparator in _schema.EQUALITY:
        _check_status(value)
    return Clause(entity_type, key, comparator, value)


def _read_comparator(tokens: Sequence[Token], pos: int, identifier: str) -> tuple[Comparator, int]:
    if pos >= len(tokens):
        raise SearchSyntaxError(f"missing comparator after {identifier!r}")
    token = tokens[pos]
    if token.kind == "op":
        if token.text in _OPERATOR_HINTS:
            raise SearchSyntaxError(
                f"comparator {token.text} is not supported (use {_OPERATOR_HINTS[token.text]})"
            )
        return _OPERATORS[token.text], pos + 1
    for words, comparator in _KEYWORD_COMPARATORS:
        if _words_at(tokens, pos, words):
            return comparator, pos + len(words)
    if _words_at(tokens, pos, ("NOT",)) and pos + 1 < len(tokens):
        raise SearchSyntaxError(
            f"comparator NOT {tokens[pos + 1].text} is not supported "
            f"(comparators: {_ALL_COMPARATORS})"
        )
    raise SearchSyntaxError(
        f"expected a comparator after {identifier!r}, found {token.text!r} "
        f"(comparators: {_ALL_COMPARATORS})"
    )


def _words_at(tokens: Sequence[Token], pos: int, words: tuple[str, ...]) -> bool:
    if pos + len(words) > len(tokens):
        return False
    return all(tokens[pos + i].is_word(word) for i, word in enumerate(words))


def _read_value(
    tokens: Sequence[Token], pos: int, comparator: Comparator, kind: _schema.ValueKind
) -> tuple[str | float | int | tuple[str, ...] | None, int]:
    if comparator in ("IS NULL", "IS NOT NULL"):
        return None, pos
    if comparator in _schema.MEMBERSHIP:
        return _read_list(tokens, pos, comparator)
    if pos >= len(tokens):
        raise SearchSyntaxError(f"missing value after {comparator}")
    token = tokens[pos]
    if kind == "float":
        return _float_value(token), pos + 1
    if kind == "int":
        return _int_value(token), pos + 1
    if token.kind not in ("sq", "dq"):
        hint = f" (write '{token.text}')" if token.kind in ("number", "word") else ""
        if token.is_word("NULL"):
            hint = " (use IS NULL or IS NOT NULL to test for a missing value)"
        raise SearchSyntaxError(f"expected a quoted string value, found {token.text}{hint}")
    return token.value, pos + 1


def _float_value(token: Token) -> float:
    if token.kind == "number":
        value = float(token.text)
        if math.isfinite(value):
            return value
        raise SearchSyntaxError(f"metric value {token.text} is out of the float range")
    if token.kind in ("sq", "dq"):
        raise SearchSyntaxError(
            f"metric values must be unquoted numbers, found the string {token.text}"
        )
    raise SearchSyntaxError(f"expected a number for the metric, found {token.text!r}")


def _int_value(token: Token) -> int:
    if token.kind == "number" and _INTEGER.fullmatch(token.text):
        digits = token.text.lstrip("+-").lstrip("0")
        if len(digits) <= _MAX_INT64_DIGITS:
            value = int(token.text)
            if -(2**63) <= value < 2**63:
                return value
        raise SearchSyntaxError(f"timestamp {token.text} is out of the 64-bit integer range")
    raise SearchSyntaxError(
        f"expected an unquoted integer (milliseconds since the epoch), found {token.text}"
    )


def _read_list(
    tokens: Sequence[Token], pos: int, comparator: Comparator
) -> tuple[tuple[str, ...], int]:
    if pos >= len(tokens) or tokens[pos].kind != "(":
        raise SearchSyntaxError(
            f"{comparator} takes a parenthesised list of quoted strings, e.g. ('a', 'b')"
        )
    items: list[str] = []
    pos += 1
    while True:
        item = tokens[pos] if pos < len(tokens) else None
        if item is None or item.kind not in ("sq", "dq"):
            found = "the end" if item is None else repr(item.text)
            empty = " (the list must not be empty)" if not items else ""
            raise SearchSyntaxError(
                f"expected a quoted string in the {comparator} list, found {found}{empty}"
            )
        items.append(item.value)
        separator = tokens[pos + 1] if pos + 1 < len(tokens) else None
        pos += 2
        if separator is not None and separator.kind == ")":
            return tuple(items), pos
        if separator is None or separator.kind != ",":
            found = "the end" if separator is None else repr(separator.text)
            raise SearchSyntaxError(f"expected ',' or ')' in the {comparator} list, found {found}")


def _check_status(value: object) -> None:
    names = [status.value for status in RunStatus]
    if value not in names:
        raise SearchSyntaxError(f"unknown run status {value!r} (use one of {', '.join(names)})")
