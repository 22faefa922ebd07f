from __future__ import annotations

import pytest

from driftloop.pipelines._graph import CycleError, Edge, topological_order


def test_listed_order_is_kept_when_it_is_valid() -> None:
    edges = [Edge("b", "x", "a", "x"), Edge("c", "y", "b", "y")]
    assert topological_order(["a", "b", "c"], edges) == ("a", "b", "c")


def test_producers_move_before_consumers_and_ties_follow_the_listing() -> None:
    edges = [Edge("train", "data", "load", "data"), Edge("report", "m", "train", "m")]
    order = topological_order(["report", "train", "other", "load"], edges)
    assert order == ("other", "load", "train", "report")


def test_a_cycle_is_reported_with_its_edges() -> None:
    edges = [
        Edge("a", "x", "c", "x"),
        Edge("b", "y", "a", "y"),
        Edge("c", "z", "b", "z"),
        Edge("d", "w", "a", "y"),
    ]
    with pytest.raises(CycleError) as caught:
        topological_order(["a", "b", "c", "d"], edges)
    cycle = caught.value.cycle
    assert {edge.consumer for edge in cycle} == {"a", "b", "c"}
    assert len(cycle) == 3
    assert "step 'a' parameter 'x' <- step 'c' output 'x'" in str(caught.value)


def test_a_self_loop_is_a_cycle() -> None:
    with pytest.raises(CycleError, match="step 'a' parameter 'a' <- step 'a' output 'a'"):
        topological_order(["a"], [Edge("a", "a", "a", "a")])
