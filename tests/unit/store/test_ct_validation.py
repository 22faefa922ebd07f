"""Tests for ``driftloop.store.ct_validation`` and the phase graph it enforces."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from driftloop.entities import CT_TRANSITIONS, CtPhase
from driftloop.errors import InvalidParameterError
from driftloop.store.ct_validation import checked_evidence


def test_terminal_phases_have_no_moves_and_others_can_fail() -> None:
    for phase in CtPhase:
        if phase.terminal:
            assert CT_TRANSITIONS[phase] == frozenset(), phase
        else:
            assert CtPhase.FAILED in CT_TRANSITIONS[phase], phase
    assert {p for p in CtPhase if p.terminal} == {
        CtPhase.PROMOTED,
        CtPhase.ROLLED_BACK,
        CtPhase.REJECTED,
        CtPhase.FAILED,
    }


def test_every_phase_is_reachable_from_triggered() -> None:
    seen = {CtPhase.TRIGGERED}
    frontier = [CtPhase.TRIGGERED]
    while frontier:
        for target in CT_TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(CtPhase)


def test_the_graph_has_no_way_back() -> None:
    """No phase reaches itself again: an episode cannot loop (e.g. canary -> shadow)."""
    order = list(CtPhase)
    for source, targets in CT_TRANSITIONS.items():
        for target in targets:
            assert order.index(target) > order.index(source), (source, target)


def test_numpy_scalars_become_plain_json_values() -> None:
    evidence = checked_evidence(
        {
            "f32": np.float32(0.5),
            "i64": np.int64(-3),
            "flag": np.bool_(True),
            "zero_d": np.array(2.5),
            "text": np.str_("drift"),
            "pair": (np.float64(0.25), 1),
        }
    )
    assert evidence == {
        "f32": 0.5,
        "i64": -3,
        "flag": True,
        "zero_d": 2.5,
        "text": "drift",
        "pair": [0.25, 1],
    }
    assert [type(v) for v in evidence.values()] == [float, int, bool, float, str, list]
    assert json.loads(json.dumps(evidence)) == evidence


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (np.float64(math.nan), "evidence['x']"),
        (np.float32(math.inf), "evidence['x']"),
        (np.array([1, 2]), "evidence['x']"),
        (np.uint64(2**64 - 1), "evidence['x']"),
    ],
)
def test_numpy_values_json_cannot_hold_are_refused(value: object, field: str) -> None:
    with pytest.raises(InvalidParameterError, match="evidence") as caught:
        checked_evidence({"x": value})
    assert caught.value.field == field


def test_cyclic_evidence_is_refused_not_a_recursion_error() -> None:
    cyclic: dict[str, object] = {}
    cyclic["self"] = cyclic
    with pytest.raises(InvalidParameterError, match="deeper"):
        checked_evidence(cyclic)
