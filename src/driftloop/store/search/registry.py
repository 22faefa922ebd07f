"""MLflow's model registry search grammar: filters and order_by for models and versions.

The same tokenizer, identifiers, comparators and ``AND``-only clause splitting as the run
grammar (:mod:`driftloop.store.search.filter`), over the registry's own attributes:

- registered models filter on ``name`` and ``tags.<key>`` and sort on ``name``,
  ``creation_timestamp`` and ``last_updated_timestamp``;
- model versions filter on ``name``, ``run_id``, ``source_path``, ``version_number`` and
  ``tags.<key>`` and sort on ``name``, ``version_number``, ``creation_timestamp`` and
  ``last_updated_timestamp``.

Identifiers are bare (``name``), ``attribute.<name>`` / ``attributes.<name>`` or
``tag.<key>`` / ``tags.<key>``. Clauses come back as :class:`Clause` (``entity_type`` is
``"attribute"`` or ``"tag"``) and order keys as :class:`OrderKey`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from driftloop.errors import InvalidFilterError
from driftloop.store.search._identifier import RawIdentifier, read_identifier
from driftloop.store.search._lexer import SearchSyntaxError, Token, tokenize
from driftloop.store.search.filter import (
    Clause,
    Comparator,
    EntityType,
    _read_comparator,
    _read_value,
    _split_clauses,
)
from driftloop.store.search.order_by import OrderKey

RegistryTarget = Literal["registered_models", "model_versions"]

_STRING: Final[tuple[Comparator, ...]] = ("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN")
_NUMERIC: Final[tuple[Comparator, ...]] = ("=", "!=", ">", ">=", "<", "<=")
_TAG: Final[tuple[Comparator, ...]] = ("=", "!=", "LIKE", "ILIKE")
_FILTER_ATTRIBUTES: Final[dict[RegistryTarget, dict[str, tuple[Comparator, ...]]]] = {
    "registered_models": {"name": _STRING},
    "model_versions": {
        "name": _STRING,
        "run_id": _STRING,
        "source_path": _STRING,
        "version_number": _NUMERIC,
    },
}
_ORDER_ATTRIBUTES: Final[dict[RegistryTarget, tuple[str, ...]]] = {
    "registered_models": ("name", "creation_timestamp", "last_updated_timestamp"),
    "model_versions": ("name", "version_number", "creation_timestamp", "last_updated_timestamp"),
}
_TYPES: Final[dict[str, EntityType]] = {
    "attribute": "attribute",
    "attributes": "attribute",
    "tag": "tag",
    "tags": "tag",
}
_MAX_INT32: Final = 2**31 - 1


def parse_registry_filter(
    filter_string: str | None, *, target: RegistryTarget
) -> tuple[Clause, ...]:
    """Parse a registry filter string into clauses (empty or None -> no clauses).

    Args:
        filter_string: ``clause AND clause ...``, e.g.
            ``"name LIKE 'churn-%' AND tags.team = 'risk'"``.
        target: ``"registered_models"`` or ``"model_versions"``.

    Returns:
        The clauses in the order written; ``version_number`` values are ``int``, ``IN``
        lists ``tuple[str, ...]``, everything else ``str``.

    Raises:
        InvalidFilterError: The message quotes the bad clause and says what is wrong.
    """
    _check_target(target)
    if not filter_string or filter_string.isspace():
        return ()
    try:
        tokens = tokenize(filter_string)
    except SearchSyntaxError as exc:
        raise InvalidFilterError(
            f"Invalid filter {filter_string!r}: {exc}", field="filter"
        ) from None
    clauses = []
    for group in _split_clauses(filter_string, tokens):
        try:
            clauses.append(_clause(group, target))
        except SearchSyntaxError as exc:
            text = filter_string[group[0].start : group[-1].end]
            raise InvalidFilterError(f"Invalid clause {text!r}: {exc}", field="filter") from None
    return tuple(clauses)


def parse_registry_order_by(
    order_by: Sequence[str] | None, *, target: RegistryTarget
) -> tuple[OrderKey, ...]:
    """Parse registry order_by items (``"<attribute> [ASC|DESC]"``, ASC by default).

    Raises:
        InvalidFilterError: An item does not parse, names an attribute ``target`` cannot
            sort on, or repeats an earlier one; the message quotes the item.
    """
    _check_target(target)
    if not order_by:
        return ()
    items = [order_by] if isinstance(order_by, str) else order_by
    keys: list[OrderKey] = []
    for item in items:
        try:
            key = _order_key(item, target)
        except SearchSyntaxError as exc:
            raise _order_error(item, str(exc)) from None
        if any(k.key == key.key for k in keys):
            raise _order_error(item, f"{key.key} is already in order_by (sort on each key once)")
        keys.append(key)
    return tuple(keys)


def _check_target(target: str) -> None:
    if target not in _FILTER_ATTRIBUTES:
        raise ValueError(f"target must be 'registered_models' or 'model_versions', not {target!r}")


def _order_error(item: object, reason: str) -> InvalidFilterError:
    return InvalidFilterError(f"Invalid order_by item {item!r}: {reason}", field="order_by")


def _resolve(raw: RawIdentifier, target: RegistryTarget) -> tuple[EntityType, str]:
    entity_type: EntityType = "attribute"
    if raw.prefix is not None:
        found = _TYPES.get(raw.prefix.lower())
        if found is None:
            raise SearchSyntaxError(
                f"unknown type {raw.prefix!r} in {raw.text!r} (use attributes or tags)"
            )
        entity_type = found
    if not raw.key:
        raise SearchSyntaxError(f"empty key in {raw.text!r}")
    if entity_type == "tag":
        return entity_type, raw.key
    attributes = _FILTER_ATTRIBUTES[target]
    name = raw.key.lower()
    if name not in attributes:
        raise SearchSyntaxError(
            f"unknown attribute {raw.key!r} for {target} (use one of "
            f"{', '.join(attributes)}, or tags.<key>)"
        )
    return entity_type, name


def _clause(tokens: Sequence[Token], target: RegistryTarget) -> Clause:
    if tokens[0].is_word("NOT"):
        raise SearchSyntaxError("NOT is only supported in NOT IN")
    raw, pos = read_identifier(tokens, 0)
    entity_type, key = _resolve(raw, target)
    comparator, pos = _read_comparator(tokens, pos, raw.text)
    allowed = _TAG if entity_type == "tag" else _FILTER_ATTRIBUTES[target][key]
    if comparator not in allowed:
        subject = "tags" if entity_type == "tag" else f"attribute {key}"
        raise SearchSyntaxError(
            f"comparator {comparator} is not allowed for {subject} (use one of "
            f"{', '.join(allowed)})"
        )
    value: str | int | tuple[str, ...] | float | None
    if allowed is _NUMERIC:
        value, pos = _version_value(tokens, pos, comparator)
    else:
        value, pos = _read_value(tokens, pos, comparator, "str")
    if pos < len(tokens):
        raise SearchSyntaxError(
            f"unexpected {tokens[pos].text!r} after the value (join clauses with AND)"
        )
    return Clause(entity_type, key, comparator, value)


def _version_value(tokens: Sequence[Token], pos: int, comparator: str) -> tuple[int, int]:
    if pos >= len(tokens):
        raise SearchSyntaxError(f"missing value after {comparator}")
    token = tokens[pos]
    text = token.value if token.kind in ("sq", "dq") else token.text
    if token.kind in ("number", "sq", "dq") and text.strip().lstrip("+-").isdigit():
        digits = text.strip().lstrip("+-").lstrip("0")
        value = int(text) if len(digits) <= 10 else _MAX_INT32 + 1
        if abs(value) <= _MAX_INT32:
            return value, pos + 1
        raise SearchSyntaxError(f"version number {text} is out of range")
    raise SearchSyntaxError(f"expected an integer version number, found {token.text}")


def _order_key(item: str, target: RegistryTarget) -> OrderKey:
    if not isinstance(item, str):
        raise SearchSyntaxError("items must be strings")
    tokens = tokenize(item)
    if not tokens:
        raise SearchSyntaxError("empty item (expected e.g. 'name ASC')")
    raw, pos = read_identifier(tokens, 0)
    allowed = _ORDER_ATTRIBUTES[target]
    prefix = None if raw.prefix is None else _TYPES.get(raw.prefix.lower())
    if (raw.prefix is not None and prefix != "attribute") or raw.key.lower() not in allowed:
        raise SearchSyntaxError(
            f"cannot sort {target} by {raw.text!r} (use one of {', '.join(allowed)})"
        )
    ascending = True
    if pos < len(tokens) and tokens[pos].is_word("ASC", "DESC"):
        ascending = tokens[pos].is_word("ASC")
        pos += 1
    if pos < len(tokens):
        raise SearchSyntaxError(
            f"unexpected {tokens[pos].text!r} (an item is '<attribute> [ASC|DESC]')"
        )
    return OrderKey("attribute", raw.key.lower(), ascending)
