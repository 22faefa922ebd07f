"""The columns of the runs table: which params, metrics and tags to show, and how to sort.

A column is named as in the filter grammar, ``metrics.<key>``, ``params.<key>`` or
``tags.<key>``; sorting by a header sends ``order=<type>.`<key>` ASC|DESC`` back, which the
store parses like any ``order_by`` item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from driftloop.entities import Run

ColumnKind = Literal["metrics", "params", "tags"]
KINDS: tuple[ColumnKind, ...] = ("metrics", "params", "tags")
DEFAULT_PER_KIND = 4
MAX_COLUMNS = 40
SYSTEM_TAG_PREFIXES = ("mlflow.", "driftloop.")

ATTRIBUTE_SORTS = {
    "name": "attributes.run_name",
    "status": "attributes.status",
    "start": "attributes.start_time",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One chosen column."""

    kind: ColumnKind
    key: str

    @property
    def name(self) -> str:
        """``metrics.<key>`` etc. (the value of the ``cols`` query parameter)."""
        return f"{self.kind}.{self.key}"

    @property
    def sort_key(self) -> str:
        """The ``order_by`` target, the key quoted with backticks."""
        return f"{self.kind}.`{self.key}`"

    def value(self, run: Run) -> str | float | None:
        """This column's value for ``run`` (None when the run has none)."""
        if self.kind == "metrics":
            return run.data.metrics.get(self.key)
        if self.kind == "params":
            return run.data.params.get(self.key)
        return run.data.tags.get(self.key)


@dataclass(frozen=True, slots=True)
class Sort:
    """The current order: its target and direction."""

    target: str
    descending: bool

    @property
    def order_by(self) -> str:
        """The ``order_by`` item."""
        return f"{self.target} {'DESC' if self.descending else 'ASC'}"

    def link_for(self, target: str) -> str:
        """The ``order`` value of a header link: the other direction if already sorted."""
        if target == self.target:
            return f"{target} {'ASC' if self.descending else 'DESC'}"
        return f"{target} DESC"

    def aria(self, target: str) -> str:
        """``aria-sort`` of a header."""
        if target != self.target:
            return "none"
        return "descending" if self.descending else "ascending"


DEFAULT_SORT = Sort("attributes.start_time", descending=True)


def parse_sort(order: str | None) -> Sort | None:
    """The ``order`` query value as a :class:`Sort` (None for the default order).

    Only the shape is read here; the store's ``order_by`` parser validates the target.
    """
    if not order or not order.strip():
        return None
    text = order.strip()
    head, _, direction = text.rpartition(" ")
    if direction.upper() in {"ASC", "DESC"} and head.strip():
        return Sort(head.strip(), descending=direction.upper() == "DESC")
    return Sort(text, descending=False)


def parse_columns(names: Iterable[str]) -> list[Column]:
    """The columns named in ``cols`` values; unknown kinds and empty keys are skipped."""
    columns: list[Column] = []
    for name in names:
        kind, dot, key = name.partition(".")
        if dot and key and kind in KINDS and len(columns) < MAX_COLUMNS:
            column = Column(kind, key)
            if column not in columns:
                columns.append(column)
    return columns


def available_keys(runs: Sequence[Run]) -> dict[ColumnKind, list[str]]:
    """The metric, param and tag keys of ``runs``, sorted (system tags last)."""
    metrics: set[str] = set()
    params: set[str] = set()
    tags: set[str] = set()
    for run in runs:
        metrics.update(run.data.latest_metrics)
        params.update(run.data.params)
        tags.update(run.data.tags)
    return {
        "metrics": sorted(metrics),
        "params": sorted(params),
        "tags": sorted(tags, key=lambda k: (k.startswith(SYSTEM_TAG_PREFIXES), k)),
    }


def default_columns(keys: dict[ColumnKind, list[str]]) -> list[Column]:
    """A few metrics and params when the user chose none."""
    return [
        *(Column("metrics", k) for k in keys["metrics"][:DEFAULT_PER_KIND]),
        *(Column("params", k) for k in keys["params"][:DEFAULT_PER_KIND]),
    ]
