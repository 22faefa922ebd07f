"""Contract suite for :class:`~driftloop.store.base.CtStore` backends.

Bind it by subclassing in a test module that provides a ``ct_store`` fixture::

    class TestMyCtStore(CtStoreContract):
        pass

Every test uses uniquely named deployments and leases, so the suite can share one database
between tests. Times are passed explicitly (``now``), counted from :data:`T0`. This class
includes the bad-input tests (:mod:`~driftloop.testing.ct_input_contract`) and the lease
tests (:mod:`~driftloop.testing.ct_lease_contract`).
"""

# ruff: noqa: S101

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from driftloop.entities import CT_TRANSITIONS, CtEpisode, CtEvent, CtPhase, TriggerKind
from driftloop.errors import (
    ConflictError,
    InvalidPageTokenError,
    InvalidParameterError,
    NotFoundError,
)
from driftloop.store.base import UNCHANGED, CtEventDraft, CtStore
from driftloop.testing.ct_input_contract import CtInputContract
from driftloop.testing.ct_lease_contract import CtLeaseContract
from driftloop.testing.helpers import FORGED_PAGE_TOKEN, T0, collect_pages, unique_name

T = TypeVar("T")

THREADS = 8
_EPISODE_ID = re.compile(r"[0-9a-f]{32}")

# The moves that reach each phase from ``triggered`` (canary entered at step 0).
PATHS: dict[CtPhase, tuple[CtPhase, ...]] = {
    CtPhase.TRIGGERED: (),
    CtPhase.TRAINING: (CtPhase.TRAINING,),
    CtPhase.GATING: (CtPhase.TRAINING, CtPhase.GATING),
    CtPhase.SHADOW: (CtPhase.TRAINING, CtPhase.GATING, CtPhase.SHADOW),
    CtPhase.CANARY: (CtPhase.TRAINING, CtPhase.GATING, CtPhase.SHADOW, CtPhase.CANARY),
    CtPhase.PROMOTED: (CtPhase.TRAINING, CtPhase.GATING, CtPhase.CANARY, CtPhase.PROMOTED),
    CtPhase.ROLLED_BACK: (CtPhase.TRAINING, CtPhase.GATING, CtPhase.SHADOW, CtPhase.ROLLED_BACK),
    CtPhase.REJECTED: (CtPhase.TRAINING, CtPhase.GATING, CtPhase.REJECTED),
    CtPhase.FAILED: (CtPhase.FAILED,),
}

EVIDENCE: dict[str, Any] = {
    "psi": 0.31,
    "windows": [1, 2, 3],
    "verdicts": ("drift", "drift"),
    "nested": {"slice": {"age<30": {"accuracy": 0.875, "n": 512}}, "empty": {}},
    "flags": [True, False, None],
    "unicode": "é ☃ 日本",
    "big": 2**63 - 1,
    "tiny": 5e-324,
    "negative": -1e308,
}
EVIDENCE_STORED: dict[str, Any] = {**EVIDENCE, "verdicts": ["drift", "drift"]}


def run_together(work: Callable[[int], T], threads: int = THREADS) -> list[T | Exception]:
    """Run ``work(i)`` on ``threads`` threads started together; errors are returned."""
    barrier = threading.Barrier(threads)

    def start(i: int) -> T | Exception:
        barrier.wait(timeout=30)
        try:
            return work(i)
        except Exception as e:  # noqa: BLE001 - the caller inspects every outcome
            return e

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(start, range(threads)))


def drive(store: CtStore, episode: CtEpisode, phase: CtPhase, now: int = T0) -> CtEpisode:
    """Advance ``episode`` along :data:`PATHS` to ``phase``, one millisecond per move."""
    for step, target in enumerate(PATHS[phase], start=1):
        episode = store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            phase=target,
            canary_step=0 if target is CtPhase.CANARY else None,
            now=now + step,
        )
    assert episode.phase is phase
    return episode


def events_of(store: CtStore, deployment: str, **filters: Any) -> list[CtEvent]:
    """Every event of the deployment (all pages), oldest first."""
    pages = collect_pages(lambda token: store.list_events(deployment, page_token=token, **filters))
    return [event for page in pages for event in page]


class CtStoreContract(CtInputContract, CtLeaseContract):
    """Behaviour every :class:`CtStore` backend must show."""

    @pytest.fixture
    def deployment(self) -> str:
        """A deployment name no other test uses."""
        return unique_name("ct")

    @staticmethod
    def start(store: CtStore, deployment: str, now: int = T0, **kwargs: Any) -> CtEpisode:
        """Start a drift episode at ``now``."""
        return store.start_episode(deployment, trigger=TriggerKind.DRIFT, now=now, **kwargs)

    # -- start / get ----------------------------------------------------------------------

    def test_start_get_and_active_round_trip(self, ct_store: CtStore, deployment: str) -> None:
        """A new episode is ``triggered`` at revision 1 with every field as given."""
        episode = ct_store.start_episode(
            deployment, trigger="performance", evidence=EVIDENCE, champion_version=7, now=T0
        )
        assert _EPISODE_ID.fullmatch(episode.episode_id)
        assert episode.deployment == deployment
        assert episode.phase is CtPhase.TRIGGERED
        assert episode.trigger is TriggerKind.PERFORMANCE
        assert dict(episode.evidence) == EVIDENCE_STORED
        assert (episode.pipeline_run_id, episode.challenger_version) == (None, None)
        assert episode.champion_version == 7
        assert episode.canary_step == -1
        assert (episode.revision, episode.message) == (1, None)
        assert episode.created == episode.updated == episode.phase_started == T0
        assert ct_store.get_episode(episode.episode_id) == episode
        assert ct_store.get_active_episode(deployment) == episode

    @pytest.mark.parametrize("trigger", list(TriggerKind))
    def test_every_trigger_kind(
        self, ct_store: CtStore, deployment: str, trigger: TriggerKind
    ) -> None:
        """Each trigger kind, as enum or string, is stored and read back as the enum."""
        episode = ct_store.start_episode(deployment, trigger=trigger.value)
        assert ct_store.get_episode(episode.episode_id).trigger is trigger
        assert dict(episode.evidence) == {}

    @pytest.mark.parametrize("episode_id", ["0" * 32, "not-an-episode", "x" * 300])
    def test_get_unknown_episode(self, ct_store: CtStore, episode_id: str) -> None:
        """An unknown id raises NotFoundError naming ``episode_id``."""
        with pytest.raises(NotFoundError, match="no CT episode") as caught:
            ct_store.get_episode(episode_id)
        assert caught.value.field == "episode_id"
        with pytest.raises(NotFoundError, match="no CT episode"):
            ct_store.advance_episode(episode_id, expected_revision=1, phase="training")

    def test_no_active_episode(self, ct_store: CtStore, deployment: str) -> None:
        """A deployment without episodes, or with only terminal ones, has none active."""
        assert ct_store.get_active_episode(deployment) is None
        drive(ct_store, self.start(ct_store, deployment), CtPhase.FAILED)
        assert ct_store.get_active_episode(deployment) is None

    # -- one active episode per deployment ------------------------------------------------

    def test_second_start_conflicts_until_the_first_ends(
        self, ct_store: CtStore, deployment: str
    ) -> None:
        """A second start is refused naming ``deployment``; after the end a new one starts."""
        first = self.start(ct_store, deployment)
        event = CtEventDraft("trigger_fired", "second")
        with pytest.raises(ConflictError, match="in progress") as caught:
            self.start(ct_store, deployment, T0 + 1, event=event)
        assert caught.value.field == "deployment"
        assert events_of(ct_store, deployment) == []
        other = self.start(ct_store, unique_name("ct-other"))
        assert other.episode_id != first.episode_id
        first = drive(ct_store, first, CtPhase.REJECTED)
        second = self.start(ct_store, deployment, T0 + 10)
        assert ct_store.get_active_episode(deployment) == second
        assert ct_store.get_episode(first.episode_id) == first

    def test_concurrent_starts_let_one_win(self, ct_store: CtStore, deployment: str) -> None:
        """Threads starting an episode of one deployment at once: exactly one succeeds."""
        outcomes = run_together(
            lambda i: ct_store.start_episode(
                deployment,
                trigger="manual",
                event=CtEventDraft("trigger_fired", f"thread {i}"),
                now=T0 + i,
            )
        )
        won = [o for o in outcomes if isinstance(o, CtEpisode)]
        lost = [o for o in outcomes if not isinstance(o, CtEpisode)]
        assert len(won) == 1, outcomes
        assert all(isinstance(e, ConflictError) and e.field == "deployment" for e in lost), lost
        assert ct_store.get_active_episode(deployment) == won[0]
        assert [e.episode_id for e in ct_store.list_episodes(deployment)] == [won[0].episode_id]
        assert [e.episode_id for e in events_of(ct_store, deployment)] == [won[0].episode_id]

    # -- advance: the state machine -------------------------------------------------------

    def test_full_episode(self, ct_store: CtStore, deployment: str) -> None:
        """A whole episode to promotion: revisions, fields and phase clocks at each move."""
        episode = self.start(ct_store, deployment, champion_version=3)
        moves: list[dict[str, Any]] = [
            {"phase": "training", "pipeline_run_id": "a" * 32},
            {"phase": CtPhase.GATING, "challenger_version": 4},
            {"phase": CtPhase.SHADOW},
            {"phase": CtPhase.CANARY, "canary_step": 0},
            {"canary_step": 1},
            {"phase": CtPhase.CANARY, "canary_step": 2},
            {"phase": CtPhase.PROMOTED, "message": "challenger 4 promoted"},
        ]
        for index, move in enumerate(moves, start=1):
            before = episode
            episode = ct_store.advance_episode(
                episode.episode_id, expected_revision=before.revision, now=T0 + index, **move
            )
            assert episode.revision == before.revision + 1
            assert episode.updated == episode.phase_started == T0 + index
            assert ct_store.get_episode(episode.episode_id) == episode
        assert episode.phase is CtPhase.PROMOTED
        assert (episode.pipeline_run_id, episode.challenger_version) == ("a" * 32, 4)
        assert (episode.champion_version, episode.canary_step) == (3, 2)
        assert episode.message == "challenger 4 promoted"
        assert episode.created == T0
        assert ct_store.get_active_episode(deployment) is None

    @pytest.mark.parametrize("source", [p for p in CtPhase if not p.terminal])
    def test_transitions_follow_the_graph(self, ct_store: CtStore, source: CtPhase) -> None:
        """From each phase, allowed targets are taken and every other one is refused."""
        refused = drive(ct_store, self.start(ct_store, unique_name("ct-from")), source)
        for target in CtPhase:
            if target is source:
                continue
            if target in CT_TRANSITIONS[source]:
                episode = drive(ct_store, self.start(ct_store, unique_name("ct-ok")), source)
                moved = ct_store.advance_episode(
                    episode.episode_id,
                    expected_revision=episode.revision,
                    phase=target,
                    canary_step=0 if target is CtPhase.CANARY else None,
                    now=T0 + 100,
                )
                assert moved.phase is target
                assert moved.phase_started == T0 + 100
                continue
            with pytest.raises(ConflictError, match="cannot move from") as caught:
                ct_store.advance_episode(
                    refused.episode_id,
                    expected_revision=refused.revision,
                    phase=target,
                    canary_step=0 if target is CtPhase.CANARY else None,
                    event=CtEventDraft("illegal"),
                )
            assert caught.value.field == "phase"
        assert ct_store.get_episode(refused.episode_id) == refused
        assert events_of(ct_store, refused.deployment) == []

    @pytest.mark.parametrize("terminal", [p for p in CtPhase if p.terminal])
    def test_terminal_episodes_are_immutable(self, ct_store: CtStore, terminal: CtPhase) -> None:
        """A terminal episode refuses every change, even one that changes nothing."""
        episode = drive(ct_store, self.start(ct_store, unique_name("ct-end")), terminal)
        attempts: list[dict[str, Any]] = [
            {"phase": CtPhase.FAILED if terminal is not CtPhase.FAILED else CtPhase.TRAINING},
            {"phase": terminal},
            {"message": "late note"},
            {"challenger_version": None},
            {},
            {"event": CtEventDraft("late")},
        ]
        for attempt in attempts:
            with pytest.raises(ConflictError, match="terminal") as caught:
                ct_store.advance_episode(
                    episode.episode_id, expected_revision=episode.revision, **attempt
                )
            assert caught.value.field == "episode_id"
        assert ct_store.get_episode(episode.episode_id) == episode
        assert events_of(ct_store, episode.deployment) == []

    def test_stale_revision_conflicts_and_changes_nothing(
        self, ct_store: CtStore, deployment: str
    ) -> None:
        """Compare-and-set: an old or future revision raises ConflictError, writes nothing."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.TRAINING)
        for revision in (1, episode.revision + 1):
            with pytest.raises(ConflictError, match="revision") as caught:
                ct_store.advance_episode(
                    episode.episode_id,
                    expected_revision=revision,
                    phase="gating",
                    event=CtEventDraft("gate_passed"),
                )
            assert caught.value.field == "expected_revision"
        assert ct_store.get_episode(episode.episode_id) == episode
        assert events_of(ct_store, deployment) == []

    def test_concurrent_advances_let_one_win(self, ct_store: CtStore, deployment: str) -> None:
        """Threads advancing from the same revision: one wins, the rest see a conflict."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.CANARY)
        outcomes = run_together(
            lambda i: ct_store.advance_episode(
                episode.episode_id,
                expected_revision=episode.revision,
                canary_step=i + 1,
                event=CtEventDraft("canary_step", f"thread {i}", {"step": i + 1}),
                now=T0 + 100 + i,
            )
        )
        won = [o for o in outcomes if isinstance(o, CtEpisode)]
        assert len(won) == 1, outcomes
        lost = [o for o in outcomes if not isinstance(o, CtEpisode)]
        assert all(isinstance(e, ConflictError) and e.field == "expected_revision" for e in lost)
        stored = ct_store.get_episode(episode.episode_id)
        assert stored == won[0]
        assert stored.revision == episode.revision + 1
        events = events_of(ct_store, deployment)
        assert [dict(e.evidence) for e in events] == [{"step": stored.canary_step}]

    def test_no_change_keeps_revision(self, ct_store: CtStore, deployment: str) -> None:
        """An advance that changes nothing keeps the revision; its event is still appended."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.GATING)
        episode = ct_store.advance_episode(
            episode.episode_id, expected_revision=episode.revision, challenger_version=5
        )
        same = ct_store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            phase=CtPhase.GATING,
            challenger_version=5,
            event=CtEventDraft("gate_passed", "still gating"),
            now=T0 + 50,
        )
        assert same == episode
        assert [e.kind for e in events_of(ct_store, deployment)] == ["gate_passed"]

    def test_fields_set_clear_and_stay(self, ct_store: CtStore, deployment: str) -> None:
        """None clears a field, UNCHANGED (the default) keeps it; no phase move, same clock."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.TRAINING)
        started = episode.phase_started
        episode = ct_store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            pipeline_run_id="run-1",
            challenger_version=9,
            message="retrying",
            now=T0 + 40,
        )
        assert (episode.pipeline_run_id, episode.challenger_version) == ("run-1", 9)
        assert (episode.message, episode.phase_started, episode.updated) == (
            "retrying",
            started,
            T0 + 40,
        )
        episode = ct_store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            challenger_version=None,
            message=None,
            pipeline_run_id=UNCHANGED,
        )
        assert (episode.pipeline_run_id, episode.challenger_version, episode.message) == (
            "run-1",
            None,
            None,
        )
        assert ct_store.get_episode(episode.episode_id) == episode

    def test_canary_step_rules(self, ct_store: CtStore, deployment: str) -> None:
        """Canary needs a step >= 0; the step changes only in canary; moves reset the clock."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.SHADOW)
        for move in ({"phase": "canary"}, {"canary_step": 1}):
            with pytest.raises(InvalidParameterError, match="canary") as caught:
                ct_store.advance_episode(
                    episode.episode_id, expected_revision=episode.revision, **move
                )
            assert caught.value.field == "canary_step"
        episode = ct_store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            phase="canary",
            canary_step=0,
            now=T0 + 10,
        )
        stepped = ct_store.advance_episode(
            episode.episode_id, expected_revision=episode.revision, canary_step=1, now=T0 + 20
        )
        assert (stepped.canary_step, stepped.phase_started) == (1, T0 + 20)
        ended = ct_store.advance_episode(
            stepped.episode_id, expected_revision=stepped.revision, phase="rolled_back"
        )
        assert ended.canary_step == 1

    # -- events with changes: one transaction ---------------------------------------------

    def test_events_written_with_start_and_advance(
        self, ct_store: CtStore, deployment: str
    ) -> None:
        """The event of a start or an advance carries the episode, the deployment and now."""
        episode = self.start(
            ct_store,
            deployment,
            T0 + 1,
            evidence={"psi": 0.4},
            event=CtEventDraft("trigger_fired", "psi 0.4 > 0.2", {"psi": 0.4}),
        )
        episode = ct_store.advance_episode(
            episode.episode_id,
            expected_revision=1,
            phase="training",
            event=CtEventDraft("pipeline_started", evidence={"run": "r1"}),
            now=T0 + 2,
        )
        events = events_of(ct_store, deployment)
        assert [(e.kind, e.message, dict(e.evidence), e.timestamp) for e in events] == [
            ("trigger_fired", "psi 0.4 > 0.2", {"psi": 0.4}, T0 + 1),
            ("pipeline_started", "", {"run": "r1"}, T0 + 2),
        ]
        assert {(e.deployment, e.episode_id) for e in events} == {(deployment, episode.episode_id)}
        assert events[0].event_id < events[1].event_id

    def test_failing_advance_writes_no_event(self, ct_store: CtStore, deployment: str) -> None:
        """Every way an advance can fail leaves the episode and the event log untouched."""
        episode = drive(ct_store, self.start(ct_store, deployment), CtPhase.GATING)
        draft = CtEventDraft("gate_passed", "should not be logged")
        failures: list[tuple[dict[str, Any], type[Exception]]] = [
            ({"expected_revision": 99, "phase": "shadow"}, ConflictError),
            ({"phase": "training"}, ConflictError),
            ({"phase": "canary"}, InvalidParameterError),
            ({"canary_step": 2}, InvalidParameterError),
            ({"phase": "shadow", "challenger_version": 0}, InvalidParameterError),
            ({"phase": "shadow", "now": -1}, InvalidParameterError),
        ]
        for overrides, error in failures:
            arguments = {"expected_revision": episode.revision, **overrides}
            with pytest.raises(error, match=r"."):
                ct_store.advance_episode(episode.episode_id, event=draft, **arguments)
        with pytest.raises(InvalidParameterError, match="finite") as caught:
            ct_store.advance_episode(
                episode.episode_id,
                expected_revision=episode.revision,
                phase="shadow",
                event=CtEventDraft("gate_passed", evidence={"auc": math.nan}),
            )
        assert caught.value.field == "event.evidence['auc']"
        assert ct_store.get_episode(episode.episode_id) == episode
        assert events_of(ct_store, deployment) == []

    # -- list episodes --------------------------------------------------------------------

    def test_list_episodes_newest_first_in_pages(self, ct_store: CtStore, deployment: str) -> None:
        """Episodes page newest first by start time; other deployments are not listed."""
        started = []
        for i in range(5):
            episode = self.start(ct_store, deployment, T0 + 1000 * i)
            started.append(drive(ct_store, episode, CtPhase.FAILED, T0 + 1000 * i))
        self.start(ct_store, unique_name("ct-other"), T0 + 99_999)
        pages = collect_pages(
            lambda token: ct_store.list_episodes(deployment, max_results=2, page_token=token)
        )
        assert [len(page) for page in pages] == [2, 2, 1]
        listed = [episode for page in pages for episode in page]
        assert listed == list(reversed(started))
        assert ct_store.list_episodes(unique_name("ct-none")).items == ()

    def test_list_episodes_bad_arguments(self, ct_store: CtStore, deployment: str) -> None:
        """A forged token and an out-of-range page size are refused, naming the field."""
        with pytest.raises(InvalidPageTokenError, match="page token") as caught:
            ct_store.list_episodes(deployment, page_token=FORGED_PAGE_TOKEN)
        assert caught.value.field == "page_token"
        for size in (0, 1001, "5"):
            with pytest.raises(InvalidParameterError, match="max_results") as bad:
                ct_store.list_episodes(deployment, max_results=size)  # type: ignore[arg-type]
            assert bad.value.field == "max_results"

    # -- the event log --------------------------------------------------------------------

    def test_events_oldest_first_with_filters_and_pages(
        self, ct_store: CtStore, deployment: str
    ) -> None:
        """Events list in append order; episode, since and after filters; keyset pages."""
        episode = self.start(ct_store, deployment)
        appended = [
            ct_store.append_event(
                deployment,
                "controller_started" if i % 3 == 0 else "canary_step",
                message=f"event {i}",
                evidence={"i": i},
                episode_id=None if i % 3 == 0 else episode.episode_id,
                now=T0 + 10 * i,
            )
            for i in range(7)
        ]
        ct_store.append_event(unique_name("ct-other"), "controller_started", now=T0)
        assert [e.event_id for e in appended] == sorted(e.event_id for e in appended)
        pages = collect_pages(
            lambda token: ct_store.list_events(deployment, max_results=3, page_token=token)
        )
        assert [len(page) for page in pages] == [3, 3, 1]
        assert [e for page in pages for e in page] == appended
        assert events_of(ct_store, deployment, episode_id=episode.episode_id) == [
            e for e in appended if e.episode_id is not None
        ]
        assert events_of(ct_store, deployment, since=T0 + 40) == appended[4:]
        after = appended[2].event_id
        assert events_of(ct_store, deployment, after_event_id=after) == appended[3:]
        assert ct_store.list_events(deployment, after_event_id=appended[-1].event_id).items == ()

    def test_paging_survives_appends(self, ct_store: CtStore, deployment: str) -> None:
        """A token taken before more events are appended continues where the page ended."""
        for i in range(3):
            ct_store.append_event(deployment, "controller_started", now=T0 + i)
        first = ct_store.list_events(deployment, max_results=2)
        assert first.next_page_token is not None
        late = ct_store.append_event(deployment, "lease_acquired", now=T0 + 9)
        rest = events_of(ct_store, deployment)[2:]
        page = ct_store.list_events(deployment, max_results=10, page_token=first.next_page_token)
        assert list(page) == rest
        assert page[-1] == late

    def test_append_event_episode_checks(self, ct_store: CtStore, deployment: str) -> None:
        """An unknown episode is NotFound; another deployment's episode is refused."""
        with pytest.raises(NotFoundError, match="no CT episode") as missing:
            ct_store.append_event(deployment, "promoted", episode_id="f" * 32)
        assert missing.value.field == "episode_id"
        foreign = self.start(ct_store, unique_name("ct-foreign"))
        with pytest.raises(InvalidParameterError, match="belongs to") as caught:
            ct_store.append_event(deployment, "promoted", episode_id=foreign.episode_id)
        assert caught.value.field == "episode_id"
        assert events_of(ct_store, deployment) == []

    def test_event_evidence_round_trip(self, ct_store: CtStore, deployment: str) -> None:
        """Nested evidence, unicode, extreme numbers and awkward text come back as sent."""
        message = "a b&c=d?e#f %2F/..\\'\" é ☃\n" + "x" * 5000
        event = ct_store.append_event(
            deployment, "gate_failed", message=message, evidence=EVIDENCE, now=T0
        )
        assert dict(event.evidence) == EVIDENCE_STORED
        (stored,) = events_of(ct_store, deployment)
        assert stored == event
        assert stored.message == message
        assert isinstance(stored.evidence["big"], int)
        assert stored.evidence["tiny"] == 5e-324
