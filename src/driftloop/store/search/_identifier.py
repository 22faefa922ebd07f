"""Reading and resolving ``<type>.<key>`` identifiers, shared by filters and order_by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftloop.store.search import _schema
from driftloop.store.search._lexer import SearchSyntaxError, Token

if TYPE_CHECKING:
    from driftloop.store.search.filter import EntityType, SearchTarget


@dataclass(frozen=True, slots=True)
class RawIdentifier:
    """An identifier as written, before its type and key are checked.

    Attributes:
        prefix: The type as written (``metrics``, ``attr`` ...), None for a bare identifier.
        key: The unquoted key (the whole name for a bare identifier).
        text: The identifier exactly as written, for error messages.
    """

    prefix: str | None
    key: str
    text: str


def read_identifier(tokens: Sequence[Token], pos: int) -> tuple[RawIdentifier, int]:
    """Read the identifier starting at ``tokens[pos]``; return it and the next position.

    Forms: ``type.key`` (everything after the first dot is the key, so ``metrics.a.b`` has
    key ``a.b``), ``type.`key``` or ``type."key"`` (quoted keys), and a bare ``name``,
    ``` `name` ``` or ``"name"``.

    Raises:
        SearchSyntaxError: No identifier at ``pos``.
    """
    if pos >= len(tokens):
        raise SearchSyntaxError("missing identifier (expected <type>.<key>, e.g. metrics.rmse)")
    token = tokens[pos]
    if token.kind in ("bt", "dq"):
        return RawIdentifier(None, token.value, token.text), pos + 1
    if token.kind != "word":
        raise SearchSyntaxError(
            f"expected an identifier <type>.<key> (e.g. metrics.rmse), found {token.text!r}"
        )
    prefix, dot, key = token.text.partition(".")
    if not dot:
        return RawIdentifier(None, prefix, token.text), pos + 1
    if key:
        return RawIdentifier(prefix, key, token.text), pos + 1
    quoted = tokens[pos + 1] if pos + 1 < len(tokens) else None
    if quoted is None or quoted.start != token.end or quoted.kind not in ("bt", "dq"):
        raise SearchSyntaxError(
            f"missing key after {token.text!r} (quote keys with special characters in "
            f'backticks or double quotes: {prefix}.`my key` or {prefix}."my key")'
        )
    return RawIdentifier(prefix, quoted.value, token.text + quoted.text), pos + 2


def resolve_identifier(
    raw: RawIdentifier, target: SearchTarget, *, order_by: bool = False
) -> tuple[EntityType, str]:
    """Check ``raw`` against what ``target`` supports; return the entity type and key.

    Attribute keys come back canonical (``created`` → ``start_time``). Bare identifiers are
    attributes when ``order_by`` or when searching experiments; otherwise they are errors.

    Raises:
        SearchSyntaxError: Unknown type or attribute, a type ``target`` does not support,
            an empty key, or a bare identifier where a type prefix is required.
    """
    if raw.prefix is None:
        return "attribute", _resolve_bare(raw, target, order_by=order_by)
    allowed = (_schema.ORDER_BY_TYPES if order_by else _schema.FILTER_TYPES)[target]
    entity_type = _schema.ENTITY_TYPES.get(raw.prefix.lower())
    if entity_type is None:
        raise SearchSyntaxError(
            f"unknown type {raw.prefix!r} in {raw.text!r} (use one of {_type_names(allowed)})"
        )
    if entity_type not in allowed:
        where = "sort" if order_by else "filter"
        raise SearchSyntaxError(
            f"{target} cannot {where} on {_schema.PLURAL[entity_type]} "
            f"(use one of {_type_names(allowed)})"
        )
    if not raw.key:
        raise SearchSyntaxError(f"empty key in {raw.text!r}")
    if entity_type == "attribute":
        return entity_type, _attribute(raw, target)
    if entity_type == "dataset" and raw.key not in _schema.DATASET_KEYS:
        raise SearchSyntaxError(
            f"unknown dataset key {raw.key!r} (use one of {', '.join(_schema.DATASET_KEYS)})"
        )
    return entity_type, raw.key


def _attribute(raw: RawIdentifier, target: SearchTarget) -> str:
    name = _schema.canonical_attribute(raw.key, target)
    if name is None:
        raise SearchSyntaxError(
            f"unknown attribute {raw.key!r} for {target} (use one of {_attribute_names(target)})"
        )
    return name


def _resolve_bare(raw: RawIdentifier, target: SearchTarget, *, order_by: bool) -> str:
    name = _schema.canonical_attribute(raw.key, target)
    bare_allowed = order_by or target == "experiments"
    if name is not None and bare_allowed:
        return name
    if name is not None:
        raise SearchSyntaxError(
            f"identifier {raw.text!r} has no type prefix (write attributes.{name})"
        )
    names = _attribute_names(target)
    if not bare_allowed:
        raise SearchSyntaxError(
            f"identifier {raw.text!r} has no type prefix (did you mean "
            f"{_schema.display('metric', raw.key)}? Use <type>.<key> with type one of "
            f"{_type_names(_schema.FILTER_TYPES[target])})"
        )
    if target == "runs":
        hint = f"did you mean {_schema.display('metric', raw.key)}? Bare names must be one of "
    else:
        hint = "use one of "
    tags = "" if order_by else f", or {_schema.display('tag', raw.key)}"
    raise SearchSyntaxError(f"unknown attribute {raw.text!r} ({hint}{names}{tags})")


def _type_names(types: Sequence[EntityType]) -> str:
    return ", ".join(_schema.PLURAL[entity_type] for entity_type in types)


def _attribute_names(target: SearchTarget) -> str:
    return ", ".join(_schema.ATTRIBUTES[target])
