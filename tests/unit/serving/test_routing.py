"""Canary routing: deterministic per key, and the realised fraction matches the setting."""

from __future__ import annotations

import random
import subprocess
import sys
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.entities import DeploymentMode
from driftloop.serving.routing import Route, choose_route, routing_fraction


def uuids(count: int, seed: int = 42) -> list[str]:
    generator = random.Random(seed)  # noqa: S311 - reproducible keys, not secrets
    return [str(uuid.UUID(int=generator.getrandbits(128), version=4)) for _ in range(count)]


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
@pytest.mark.parametrize("seed", [42, 7, 2024])
def test_realised_canary_fraction_is_within_one_point(fraction: float, seed: int) -> None:
    keys = uuids(10_000, seed)
    routes = [choose_route(key, DeploymentMode.CANARY, fraction, True) for key in keys]
    realised = routes.count(Route.CHALLENGER) / len(routes)
    assert abs(realised - fraction) < 0.01


def test_the_same_key_always_takes_the_same_route() -> None:
    for key in uuids(1000):
        first = choose_route(key, DeploymentMode.CANARY, 0.3, True)
        assert all(choose_route(key, DeploymentMode.CANARY, 0.3, True) is first for _ in range(3))


def test_routing_is_stable_across_processes() -> None:
    """No per-process hash seed: another interpreter computes the same fractions."""
    keys = uuids(20)
    code = (
        "import sys; from driftloop.serving.routing import routing_fraction as f; "
        "print(repr([f(k) for k in sys.argv[1:]]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, *keys], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == repr([routing_fraction(key) for key in keys])


def test_a_larger_fraction_keeps_the_keys_of_a_smaller_one() -> None:
    """Raising the canary share only moves more keys to the challenger, never back."""
    for key in uuids(2000):
        if choose_route(key, DeploymentMode.CANARY, 0.1, True) is Route.CHALLENGER:
            assert choose_route(key, DeploymentMode.CANARY, 0.2, True) is Route.CHALLENGER


@given(st.text())
def test_fraction_is_in_the_unit_interval(key: str) -> None:
    assert 0.0 <= routing_fraction(key) < 1.0


@pytest.mark.parametrize("mode", [DeploymentMode.SINGLE, DeploymentMode.SHADOW])
def test_single_and_shadow_always_answer_from_the_champion(mode: DeploymentMode) -> None:
    assert {choose_route(key, mode, 1.0, True) for key in uuids(200)} == {Route.CHAMPION}


def test_canary_without_a_challenger_answers_from_the_champion() -> None:
    assert {choose_route(k, DeploymentMode.CANARY, 1.0, False) for k in uuids(200)} == {
        Route.CHAMPION
    }


@pytest.mark.parametrize(("fraction", "expected"), [(0.0, Route.CHAMPION), (1.0, Route.CHALLENGER)])
def test_fraction_bounds(fraction: float, expected: Route) -> None:
    assert {choose_route(k, DeploymentMode.CANARY, fraction, True) for k in uuids(500)} == {
        expected
    }


def test_mode_may_be_given_as_its_string_value() -> None:
    key = next(k for k in uuids(100) if routing_fraction(k) < 0.5)
    assert choose_route(key, DeploymentMode("canary"), 0.5, True) is Route.CHALLENGER
    assert Route.CHALLENGER == "challenger"
