"""Parser for MLflow's search filter grammar: ``clause AND clause ...``.

A clause is ``<type>.<key> <comparator> <value>``. Types (with aliases): ``metrics``
(``metric``), ``params`` (``param``, ``parameter``, ``parameters``), ``tags`` (``tag``),
``attributes`` (``attribute``, ``attr``, ``run``) and ``datasets`` (``dataset``). Keys
with dots, spaces or other specials are quoted with backticks or double quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntityType = Literal["metric", "param", "tag", "attribute", "dataset"]
Comparator = Literal[
    "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"
]
SearchTarget = Literal["runs", "experiments"]


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

    Raises:
        InvalidFilterError: The message quotes the bad clause and says what is wrong
            (unknown type, unknown attribute, comparator not allowed for the type, value of
            the wrong type, unbalanced quotes, ``OR``/parentheses not supported ...).
    """
    raise NotImplementedError
