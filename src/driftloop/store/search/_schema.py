"""What may be searched and sorted: entity types, attributes, comparators and value kinds.

MLflow's tables (``mlflow/utils/search_utils.py``) in one place, per search target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from driftloop.store.search.filter import Comparator, EntityType, SearchTarget

ValueKind = Literal["float", "int", "str"]

EQUALITY: Final[tuple[Comparator, ...]] = ("=", "!=")
NUMERIC: Final[tuple[Comparator, ...]] = ("=", "!=", ">", ">=", "<", "<=")
STRING: Final[tuple[Comparator, ...]] = ("=", "!=", "LIKE", "ILIKE")
NULLABLE: Final[tuple[Comparator, ...]] = (*STRING, "IS NULL", "IS NOT NULL")
MEMBERSHIP: Final[tuple[Comparator, ...]] = ("IN", "NOT IN")

ENTITY_TYPES: Final[dict[str, EntityType]] = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
    "dataset": "dataset",
    "datasets": "dataset",
}
PLURAL: Final[dict[EntityType, str]] = {
    "metric": "metrics",
    "param": "params",
    "tag": "tags",
    "attribute": "attributes",
    "dataset": "datasets",
}
FILTER_TYPES: Final[dict[SearchTarget, tuple[EntityType, ...]]] = {
    "runs": ("metric", "param", "tag", "attribute", "dataset"),
    "experiments": ("attribute", "tag"),
}
ORDER_BY_TYPES: Final[dict[SearchTarget, tuple[EntityType, ...]]] = {
    "runs": ("metric", "param", "tag", "attribute"),
    "experiments": ("attribute",),
}


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """How one attribute is compared: allowed comparators and whether values are integers."""

    comparators: tuple[Comparator, ...]
    numeric: bool = False


_TIMESTAMP: Final = AttributeSpec(NUMERIC, numeric=True)
ATTRIBUTES: Final[dict[SearchTarget, dict[str, AttributeSpec]]] = {
    "runs": {
        "run_id": AttributeSpec((*STRING, *MEMBERSHIP)),
        "run_name": AttributeSpec(STRING),
        "status": AttributeSpec(STRING),
        "user_id": AttributeSpec(STRING),
        "artifact_uri": AttributeSpec(STRING),
        "start_time": _TIMESTAMP,
        "end_time": _TIMESTAMP,
    },
    "experiments": {
        "name": AttributeSpec(STRING),
        "experiment_id": AttributeSpec((*EQUALITY, *MEMBERSHIP)),
        "creation_time": _TIMESTAMP,
        "last_update_time": _TIMESTAMP,
    },
}
# Looked up lower-cased; MLflow accepts "created"/"Created" and "run name"/"Run Name".
ATTRIBUTE_ALIASES: Final[dict[SearchTarget, dict[str, str]]] = {
    "runs": {"created": "start_time", "run name": "run_name", "run_uuid": "run_id"},
    "experiments": {},
}
DATASET_KEYS: Final[tuple[str, ...]] = ("name", "digest", "context")
_PLAIN_KEY: Final = re.compile(r"[^\W\d][\w.\-]*")
_DATASET_COMPARATORS: Final[tuple[Comparator, ...]] = (*STRING, *MEMBERSHIP)


def canonical_attribute(key: str, target: SearchTarget) -> str | None:
    """The canonical attribute name for ``key`` (aliases resolved), or None if unknown."""
    folded = key.lower()
    name = ATTRIBUTE_ALIASES[target].get(folded, folded)
    return name if name in ATTRIBUTES[target] else None


def comparators_for(
    entity_type: EntityType, key: str, target: SearchTarget
) -> tuple[Comparator, ...]:
    """The comparators allowed on a resolved ``entity_type``/``key`` pair."""
    if entity_type == "metric":
        return NUMERIC
    if entity_type == "attribute":
        return ATTRIBUTES[target][key].comparators
    if entity_type == "dataset":
        return _DATASET_COMPARATORS
    return NULLABLE


def value_kind(entity_type: EntityType, key: str, target: SearchTarget) -> ValueKind:
    """The Python type a single (non-list, non-null) value has for this key."""
    if entity_type == "metric":
        return "float"
    if entity_type == "attribute" and ATTRIBUTES[target][key].numeric:
        return "int"
    return "str"


def subject(entity_type: EntityType, key: str) -> str:
    """How error messages name what a comparator applies to (``metrics``, ``attribute x``)."""
    if entity_type in ("attribute", "dataset"):
        return f"{entity_type} {key}"
    return PLURAL[entity_type]


def display(entity_type: EntityType, key: str) -> str:
    """The canonical spelling ``<type>.<key>``, quoting keys that need it."""
    shown = key if _PLAIN_KEY.fullmatch(key) else "`" + key.replace("`", "``") + "`"
    return f"{PLURAL[entity_type]}.{shown}"
