"""Ordering steps by their data dependencies: a stable topological sort that names cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edge:
    """``consumer``'s parameter ``parameter`` reads ``producer``'s output ``output``."""

    consumer: str
    parameter: str
    producer: str
    output: str

    def __str__(self) -> str:
        return (
            f"step {self.consumer!r} parameter {self.parameter!r} <- "
            f"step {self.producer!r} output {self.output!r}"
        )


class CycleError(Exception):
    """The edges form a cycle; ``cycle`` lists its edges in order."""

    def __init__(self, cycle: Sequence[Edge]) -> None:
        super().__init__("; ".join(str(edge) for edge in cycle))
        self.cycle = tuple(cycle)


def topological_order(nodes: Sequence[str], edges: Sequence[Edge]) -> tuple[str, ...]:
    """Order ``nodes`` so every producer comes before its consumers.

    Among nodes that are ready at the same time, the one listed first in ``nodes`` goes
    first, so a pipeline written in a valid order runs in that order.

    Raises:
        CycleError: Some nodes depend on each other; the error lists one cycle.
    """
    position = {node: index for index, node in enumerate(nodes)}
    waiting = {node: {edge.producer for edge in edges if edge.consumer == node} for node in nodes}
    order: list[str] = []
    while len(order) < len(nodes):
        ready = [node for node in nodes if node not in order and not waiting[node]]
        if not ready:
            raise CycleError(_find_cycle([node for node in nodes if node not in order], edges))
        chosen = min(ready, key=position.__getitem__)
        order.append(chosen)
        for pending in waiting.values():
            pending.discard(chosen)
    return tuple(order)


def _find_cycle(remaining: Sequence[str], edges: Sequence[Edge]) -> list[Edge]:
    incoming: Mapping[str, list[Edge]] = {
        node: [edge for edge in edges if edge.consumer == node and edge.producer in remaining]
        for node in remaining
    }
    # Every remaining node waits on another remaining node: walk back until a node repeats.
    path: list[Edge] = []
    seen: dict[str, int] = {}
    node = remaining[0]
    while node not in seen:
        seen[node] = len(path)
        edge = incoming[node][0]
        path.append(edge)
        node = edge.producer
    cycle = path[seen[node] :]
    cycle.reverse()  # producer before consumer reads more naturally
    return cycle
