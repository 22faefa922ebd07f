"""Parser for ``order_by`` items such as ``"metrics.rmse ASC"``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    """Parse order_by items; duplicates and unknown types/attributes raise InvalidFilterError."""
    raise NotImplementedError
