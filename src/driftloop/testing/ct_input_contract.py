"""The bad-input part of the :class:`~driftloop.store.base.CtStore` contract.

Included in :class:`~driftloop.testing.ct_contract.CtStoreContract`; it needs the same
``ct_store`` fixture and the ``deployment`` fixture that class provides. Every invalid
argument raises :class:`InvalidParameterError` whose ``field`` names it, and writes nothing.
"""

# ruff: noqa: S101

from __future__ import annotations

import math
from typing import Any

import pytest

from driftloop.errors import InvalidParameterError
from driftloop.store.base import CtEventDraft, CtStore
from driftloop.testing.helpers import FORGED_PAGE_TOKEN

# Evidence values no JSON log can hold, and the field the error names.
BAD_EVIDENCE: list[tuple[Any, str]] = [
    ({"psi": math.nan}, "evidence['psi']"),
    ({"psi": math.inf}, "evidence['psi']"),
    ({"scores": [0.1, -math.inf]}, "evidence['scores'][1]"),
    ({"a": {"b": [1, {"c": math.nan}]}}, "evidence['a']['b'][1]['c']"),
    ({"x": object()}, "evidence['x']"),
    ({"x": {1, 2}}, "evidence['x']"),
    ({"x": b"bytes"}, "evidence['x']"),
    ({"x": 2**64}, "evidence['x']"),
    ({1: "int key"}, "evidence"),
    ([("psi", 0.1)], "evidence"),
    ("psi=0.1", "evidence"),
]


class CtInputContract:
    """Invalid arguments are refused before anything is written, naming the field."""

    @pytest.mark.parametrize(("evidence", "field"), BAD_EVIDENCE)
    def test_bad_evidence_is_refused(
        self, ct_store: CtStore, deployment: str, evidence: Any, field: str
    ) -> None:
        """NaN, infinity and values JSON cannot hold are refused naming the value; no write."""
        with pytest.raises(InvalidParameterError, match="evidence") as caught:
            ct_store.start_episode(deployment, trigger="drift", evidence=evidence)
        assert caught.value.field == field
        with pytest.raises(InvalidParameterError, match="evidence") as appended:
            ct_store.append_event(deployment, "trigger_fired", evidence=evidence)
        assert appended.value.field == field
        assert ct_store.get_active_episode(deployment) is None
        assert ct_store.list_events(deployment).items == ()

    def test_deep_or_huge_evidence_is_refused(self, ct_store: CtStore, deployment: str) -> None:
        """Evidence nested past 32 levels or over 1,000,000 JSON characters is refused."""
        deep: dict[str, Any] = {}
        node = deep
        for _ in range(40):
            node["d"] = {}
            node = node["d"]
        with pytest.raises(InvalidParameterError, match="deeper"):
            ct_store.start_episode(deployment, trigger="drift", evidence=deep)
        with pytest.raises(InvalidParameterError, match="limit") as caught:
            ct_store.start_episode(deployment, trigger="drift", evidence={"blob": "x" * 1_000_001})
        assert caught.value.field == "evidence"

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"deployment": ""}, "deployment"),
            ({"deployment": None}, "deployment"),
            ({"deployment": "x" * 257}, "deployment"),
            ({"trigger": "hunch"}, "trigger"),
            ({"trigger": None}, "trigger"),
            ({"champion_version": 0}, "champion_version"),
            ({"champion_version": "3"}, "champion_version"),
            ({"event": ("trigger_fired", "")}, "event"),
            ({"event": CtEventDraft("Trigger Fired")}, "event.kind"),
            ({"event": CtEventDraft("")}, "event.kind"),
            ({"event": CtEventDraft("ok", 5)}, "event.message"),  # type: ignore[arg-type]
            ({"event": CtEventDraft("ok", "\x00")}, "event.message"),
            ({"now": -1}, "now"),
            ({"now": 1.5}, "now"),
        ],
    )
    def test_bad_start_arguments(
        self, ct_store: CtStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Each invalid start argument raises InvalidParameterError naming it; no write."""
        arguments = {"deployment": deployment, "trigger": "drift", **arguments}
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            ct_store.start_episode(**arguments)
        assert caught.value.field == field
        assert ct_store.get_active_episode(deployment) is None

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"expected_revision": 0}, "expected_revision"),
            ({"expected_revision": "1"}, "expected_revision"),
            ({"expected_revision": True}, "expected_revision"),
            ({"phase": "retraining"}, "phase"),
            ({"phase": 3}, "phase"),
            ({"pipeline_run_id": ""}, "pipeline_run_id"),
            ({"pipeline_run_id": "r" * 65}, "pipeline_run_id"),
            ({"challenger_version": -1}, "challenger_version"),
            ({"canary_step": -1}, "canary_step"),
            ({"canary_step": 1.0}, "canary_step"),
            ({"message": 42}, "message"),
            ({"message": "m" * 10_001}, "message"),
            ({"event": "trigger_fired"}, "event"),
            ({"now": "later"}, "now"),
        ],
    )
    def test_bad_advance_arguments(
        self, ct_store: CtStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Each invalid advance argument raises InvalidParameterError naming it; no write."""
        episode = ct_store.start_episode(deployment, trigger="drift")
        arguments = {"expected_revision": 1, "phase": "training", **arguments}
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            ct_store.advance_episode(episode.episode_id, **arguments)
        assert caught.value.field == field
        assert ct_store.get_episode(episode.episode_id) == episode

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"deployment": "  "}, "deployment"),
            ({"kind": ""}, "kind"),
            ({"kind": "gate-passed"}, "kind"),
            ({"kind": "k" * 65}, "kind"),
            ({"message": None}, "message"),
            ({"episode_id": ""}, "episode_id"),
            ({"episode_id": 12}, "episode_id"),
            ({"now": True}, "now"),
        ],
    )
    def test_bad_event_arguments(
        self, ct_store: CtStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Each invalid append argument raises InvalidParameterError naming it; no write."""
        arguments = {"deployment": deployment, "kind": "gate_passed", **arguments}
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            ct_store.append_event(**arguments)
        assert caught.value.field == field
        assert ct_store.list_events(deployment).items == ()

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"since": -1}, "since"),
            ({"after_event_id": -1}, "after_event_id"),
            ({"after_event_id": "3"}, "after_event_id"),
            ({"max_results": 0}, "max_results"),
            ({"max_results": 10_001}, "max_results"),
            ({"episode_id": ""}, "episode_id"),
            ({"page_token": FORGED_PAGE_TOKEN}, "page_token"),
        ],
    )
    def test_bad_list_event_arguments(
        self, ct_store: CtStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Each invalid list argument raises InvalidParameterError naming it."""
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            ct_store.list_events(deployment, **arguments)
        assert caught.value.field == field
