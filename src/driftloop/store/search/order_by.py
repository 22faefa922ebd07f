"""Parser for ``order_by`` items such as ``"metrics.rmse ASC"``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from driftloop.errors import InvalidFilterError
from driftloop.store.search import _schema
from driftloop.store.search._identifier import read_identifier, resolve_identifier
from driftloop.store.search._lexer import SearchSyntaxError, tokenize
from driftloop.store.search.filter import EntityType, SearchTarget


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One sort key: what to sort by and in which direction (missing values always last)."""

    entity_type: EntityType
    key: str
    ascending: bool = True


def parse_order_by(
    order_by: Sequence[str] | None, *, target: SearchTarget = "runs"
) -> tuple[OrderKey, ...]:
    """Parse order_by items; duplicates and unknown types/attributes raise InvalidFilterError.

    Each item is ``<type>.<key> [ASC|DESC]`` (direction case-insensitive, ASC by default).
    Quoted keys (``tags.`my tag` DESC``) and bare attribute names (``start_time DESC``) are
    accepted. Runs sort on metrics, params, tags and attributes; experiments on their
    attributes only. A single string is taken as one item.

    Args:
        order_by: The items, most significant first.
        target: ``"runs"`` or ``"experiments"``.

    Returns:
        One :class:`OrderKey` per item, in order; attribute keys are canonical.

    Raises:
        InvalidFilterError: An item does not parse, names something ``target`` cannot sort
            on, or repeats an earlier key; the message quotes the item.
    """
    if target not in _schema.ORDER_BY_TYPES:
        raise ValueError(f"target must be 'runs' or 'experiments', not {target!r}")
    if not order_by:
        return ()
    items = [order_by] if isinstance(order_by, str) else order_by
    keys: list[OrderKey] = []
    for item in items:
        key = _parse_item(item, target)
        if any((k.entity_type, k.key) == (key.entity_type, key.key) for k in keys):
            name = _schema.display(key.entity_type, key.key)
            raise _item_error(item, f"{name} is already in order_by (sort on each key once)")
        keys.append(key)
    return tuple(keys)


def _parse_item(item: str, target: SearchTarget) -> OrderKey:
    try:
        return _order_key(item, target)
    except SearchSyntaxError as exc:
        raise _item_error(item, str(exc)) from None


def _order_key(item: str, target: SearchTarget) -> OrderKey:
    tokens = tokenize(item)
    if not tokens:
        raise SearchSyntaxError("empty item (expected e.g. 'metrics.rmse DESC')")
    raw, pos = read_identifier(tokens, 0)
    entity_type, key = resolve_identifier(raw, target, order_by=True)
    ascending = True
    if pos < len(tokens) and tokens[pos].is_word("ASC", "DESC"):
        ascending = tokens[pos].is_word("ASC")
        pos += 1
    if pos < len(tokens):
        raise SearchSyntaxError(
            f"unexpected {tokens[pos].text!r} (an item is '<type>.<key> [ASC|DESC]'; "
            "quote keys containing spaces in backticks)"
        )
    return OrderKey(entity_type, key, ascending)


def _item_error(item: str, reason: str) -> InvalidFilterError:
    return InvalidFilterError(f"Invalid order_by item {item!r}: {reason}", field="order_by")
