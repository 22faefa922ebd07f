"""The driftloop strategy: the CT controller's decisions, replayed on arrays.

Every decision is driftloop's own code, called with what the controller would pass it:

* every ``monitor_every`` rows a monitor run (:func:`_loop_monitor.monitor_window`: the
  current champion version's rows, ``compute_drift`` against its profile, live metrics and
  ADWIN's change points on the known labels);
* every batch a controller tick. With no episode, :meth:`Driftloop.trigger_inputs` builds
  the :class:`~driftloop.ct.triggers.TriggerInputs` as ``gather_trigger_inputs`` does (monitor
  runs newer than the last training and the last episode's end, the newest run's live
  metrics and labelled rows, the champion's validation metrics, the episode history with
  its rejections in a row for the cooldown's backoff) and
  :func:`~driftloop.ct.triggers.evaluate_triggers` decides; a new episode keeps the newest
  change point of those runs (``newest_change_ms``), or, when they name none, the one ADWIN
  finds in the champion version's labelled errors since the last training;
* an episode moves as the controller moves it, one phase per tick, ticks that progressed
  followed at once: training on the policy's window of labelled rows up to the episode's
  start, cut at the change point (``rows_since_change``, ``data.window.since_change``)
  (time-ordered holdout), :func:`~driftloop.ct.gates.evaluate_gates` against the
  champion on that holdout (data validation against the challenger's own profile), then
  :func:`~driftloop.ct.rollout.start_rollout` and, every tick,
  :func:`~driftloop.ct.rollout.decide_rollout` on the live comparison since the phase
  began: shadow copies, canary fractions (requests routed at random), promotion or rollback.

What is not replayed: HTTP serving, the Parquet log, the stores and the registry (arrays and
objects stand in), the pipeline's runs and artifacts (the entry point is called directly),
wall time (training and gating take no rows), latencies and error rates (unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from _loop_models import Version
from _loop_monitor import MonitorRecord, live_comparison, monitor_window
from _loop_replay import CHALLENGER, CHAMPION, Settings, Strategy
from _loop_streams import Stream
from driftloop.ct.gates import METRIC_GATE, GateReport, evaluate_gates
from driftloop.ct.policy import Policy
from driftloop.ct.recent_performance import recent_performance
from driftloop.ct.rollout import RolloutAction, decide_rollout, start_rollout
from driftloop.ct.training_data import rows_after_change, rows_since_change
from driftloop.ct.triggers import (
    RefillState,
    TriggerInputs,
    WindowVerdict,
    consecutive_rejections,
    evaluate_triggers,
    newest_change_ms,
)
from driftloop.entities import CtPhase, TriggerKind
from driftloop.monitoring.detectors import Detector, detect_changes

_VERDICT_RUNS = 100


@dataclass(slots=True)
class Episode:
    """One CT episode, as the CT store would hold it (times in rows and ms)."""

    number: int
    trigger: TriggerKind
    created_row: int
    created_ms: int
    champion_version: int
    evidence: dict[str, Any]
    change_ms: int | None = None
    phase: CtPhase = CtPhase.TRIGGERED
    phase_started_row: int = 0
    cutoff_row: int | None = None
    canary_step: int = -1
    challenger: Version | None = None
    trained: bool = False
    ended_row: int | None = None
    ended_ms: int | None = None
    events: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "episode": self.number,
            "trigger": str(self.trigger),
            "row": self.created_row,
            "evidence": self.evidence,
            "outcome": str(self.phase),
            "ended_row": self.ended_row,
            "challenger_version": None if self.challenger is None else self.challenger.number,
            "events": self.events,
        }


class Driftloop(Strategy):
    """The CT loop with the benchmark's policy."""

    name = "driftloop"

    def __init__(
        self,
        stream: Stream,
        settings: Settings,
        policy: Policy,
        first: Version,
        *,
        name: str = "driftloop",
    ):
        super().__init__(stream, settings, policy, first)
        self.name = name
        self.champion = first
        self.versions = 1
        self.mode: CtPhase | None = None  # SHADOW or CANARY while a challenger is deployed
        self.fraction = 0.0
        self.all_episodes: list[Episode] = []
        self.monitor_runs: list[MonitorRecord] = []
        self.rng = np.random.default_rng(settings.seed)
        self.window_cut: dict[int, int] = {}  # version -> change point (``WINDOW_CUT_TAG``)

    # -- serving -----------------------------------------------------------------------

    def serve(self, lo: int, hi: int) -> None:
        rows = self.rows(lo, hi)
        log = self.log
        log.served[lo:hi] = self.champion.model.predict(rows)
        log.version[lo:hi] = self.champion.number
        episode = self.active()
        if episode is None or episode.challenger is None or self.mode is None:
            return
        theirs = episode.challenger.model.predict(rows)
        if self.mode is CtPhase.SHADOW:
            log.shadow[lo:hi] = theirs
            log.shadow_version[lo:hi] = episode.challenger.number
            return
        routed = self.rng.random(hi - lo) < self.fraction
        log.served[lo:hi][routed] = theirs[routed]
        log.route[lo:hi][routed] = CHALLENGER
        log.version[lo:hi][routed] = episode.challenger.number

    # -- monitoring and controller ticks -------------------------------------------------

    def after_batch(self, now: int) -> None:
        if (now - self.stream.initial) % self.settings.monitor_every == 0:
            self.monitor_runs.append(
                monitor_window(
                    self.stream,
                    self.log,
                    self.champion,
                    now=now,
                    rows=self.settings.monitor_rows,
                    labelled_end=self.labelled_end(now),
                )
            )
        while self.tick(now):
            pass

    def active(self) -> Episode | None:
        latest = self.all_episodes[-1] if self.all_episodes else None
        return None if latest is None or latest.phase.terminal else latest

    def tick(self, now: int) -> bool:
        """One controller step; True when it progressed (the next tick follows at once)."""
        episode = self.active()
        if episode is None:
            return self.evaluate(now)
        if episode.phase is CtPhase.TRIGGERED:
            if not self.data_ready(episode, now):
                return False
            episode.phase, episode.cutoff_row = CtPhase.TRAINING, now
            return True
        if episode.phase is CtPhase.TRAINING:
            return self.step_training(episode, now)
        if episode.phase is CtPhase.GATING:
            return self.step_gating(episode, now)
        return self.step_live(episode, now)

    def evaluate(self, now: int) -> bool:
        inputs = self.trigger_inputs(now)
        decision = evaluate_triggers(self.policy.triggers, inputs)
        if decision.kind is None:
            return False
        evidence = {
            key: value
            for key, value in decision.evidence.items()
            if key in {"value", "champion_value", "drop", "consecutive", "also_fired"}
        }
        self.all_episodes.append(
            Episode(
                number=len(self.all_episodes) + 1,
                trigger=decision.kind,
                created_row=now,
                created_ms=self.time_ms(now),
                champion_version=self.champion.number,
                evidence=evidence,
                change_ms=(
                    inputs.refill.change_ms
                    if decision.kind is TriggerKind.REFILL and inputs.refill is not None
                    else self.change_ms(inputs, now)
                ),
                phase_started_row=now,
            )
        )
        self.triggers.append(now)
        return True

    def change_ms(self, inputs: TriggerInputs, now: int) -> int | None:
        """As ``Controller._change_ms``: the monitor runs' newest change point, else ADWIN
        over the champion version's labelled errors since the last training
        (``champion_change_ms``)."""
        since, runs = self.recent_runs()
        found = newest_change_ms(
            ({"last_change_ms": str(r.last_change_ms)} for r in runs if r.last_change_ms), since
        )
        if found is not None or not self.policy.data.window.since_change:
            return found
        last_training = inputs.last_training_ms or 0
        first = max(self.stream.initial, (last_training - self.time_ms(0)) // 1000 + 1)
        rows = np.arange(first, self.labelled_end(now))
        rows = rows[
            (self.log.route[rows] == CHAMPION) & (self.log.version[rows] == self.champion.number)
        ]
        if len(rows) == 0:
            return None
        errors = (self.log.served[rows] != self.stream.labels[rows]).astype(np.float64)
        changes = detect_changes(
            errors, detector=Detector.ADWIN, timestamps=self.stream.timestamps_ms[rows]
        )
        return changes[-1].timestamp if changes else None

    def recent_runs(self) -> tuple[int, list[MonitorRecord]]:
        """The evidence cut-off (last training or episode end) and the monitor runs after it."""
        episodes = self.all_episodes
        latest = episodes[-1] if episodes else None
        trained = [e.created_ms for e in episodes if e.trained]
        last_training = max([self.champion.created_ms, *trained])
        latest_end = latest.ended_ms if latest is not None and latest.phase.terminal else None
        since = max(t for t in (last_training, latest_end) if t is not None)
        runs = [r for r in self.monitor_runs if r.window_end_ms >= since + 1][-_VERDICT_RUNS:]
        return since, runs

    def trigger_inputs(self, now: int) -> TriggerInputs:
        """What ``gather_trigger_inputs`` reads from the stores, from this replay's records."""
        episodes = self.all_episodes
        latest = episodes[-1] if episodes else None
        trained = [e.created_ms for e in episodes if e.trained]
        last_training = max([self.champion.created_ms, *trained])
        latest_end = latest.ended_ms if latest is not None and latest.phase.terminal else None
        since, runs = self.recent_runs()
        newest = runs[-1] if runs else None
        live = self.live_performance(since, newest, now)
        schedule_fires = [e.created_ms for e in episodes if e.trigger is TriggerKind.SCHEDULE]
        return TriggerInputs(
            now_ms=self.time_ms(now),
            verdicts=tuple(WindowVerdict(r.window_end_ms, r.verdict) for r in runs),
            live_metrics=live[0],
            live_metrics_window_end_ms=live[1],
            live_label_count=live[2],
            champion_metrics={
                name: value
                for name, value in self.champion.validation_metrics.items()
                if math.isfinite(value)
            },
            labels_since_training=self._labels_since(last_training, now),
            last_training_ms=last_training,
            last_episode_start_ms=None if latest is None else latest.created_ms,
            last_episode_end_ms=latest_end,
            active_episode_id=None,
            manual_requested=False,
            last_schedule_fire_ms=schedule_fires[-1] if schedule_fires else None,
            consecutive_rejections=consecutive_rejections(e.phase for e in reversed(episodes)),
            refill=self.refill_state(now),
        )

    def refill_state(self, now: int) -> RefillState | None:
        """As ``gather_trigger_inputs``: the champion's cut window and the rows since its cut."""
        window = self.policy.data.window
        cut = self.window_cut.get(self.champion.number)
        if cut is None or not (window.since_change and window.refill):
            return None
        created = self.champion.created_ms
        refilled = any(
            e.trigger is TriggerKind.REFILL and e.created_ms >= created for e in self.all_episodes
        )
        first = int(np.searchsorted(self.stream.timestamps_ms, cut))
        return RefillState(
            change_ms=cut,
            labels_since_change=max(self.labelled_end(now) - max(first, self.stream.initial), 0),
            rows_needed=window.rows,
            full_at_ms=(
                None
                if window.duration is None
                else cut + int(window.duration.total_seconds() * 1000)
            ),
            refilled=refilled,
        )

    def live_performance(
        self, since_ms: int, newest: MonitorRecord | None, now: int
    ) -> tuple[dict[str, float], int | None, int]:
        """As ``gather_trigger_inputs``: the champion's newest ``recent`` labelled answers since
        the evidence cut-off (:func:`recent_performance`) when they reach ``min_labels``,
        else the newest monitor run's live metrics."""
        spec = self.policy.triggers.performance
        if spec is not None and spec.recent > 0:
            first = max(self.stream.initial, (since_ms - self.time_ms(0)) // 1000 + 1)
            rows = np.arange(first, self.labelled_end(now))
            log = self.log
            rows = rows[(log.route[rows] == CHAMPION) & (log.version[rows] == self.champion.number)]
            found = recent_performance(
                self.stream.labels[rows],
                log.served[rows],
                self.stream.timestamps_ms[rows],
                classifier=True,
                count=spec.recent,
            )
            if found is not None and found.labelled >= spec.min_labels:
                return found.metrics, found.window_end_ms, found.labelled
        if newest is None:
            return {}, None, 0
        return dict(newest.metrics), newest.window_end_ms, newest.labelled

    def _labels_since(self, since_ms: int, now: int) -> int:
        first = max(self.stream.initial, (since_ms - self.time_ms(0)) // 1000 + 1)
        return max(self.labelled_end(now) - first, 0)

    # -- episode phases -----------------------------------------------------------------

    def data_ready(self, episode: Episode, now: int) -> bool:
        """As ``step_triggered``: with the window cut at a change point, wait until
        ``min_rows`` labelled rows came after it (at most ``data.window.change_wait``)."""
        data = self.policy.data
        if not data.window.since_change or episode.change_ms is None:
            return True
        waited_ms = self.time_ms(now) - episode.created_ms
        if waited_ms >= data.window.change_wait.total_seconds() * 1000:
            return True
        hi = self.labelled_end(now)
        stamps = self.stream.timestamps_ms[self.stream.initial : hi]
        return rows_after_change(stamps, episode.change_ms) >= data.min_rows

    def training_window(self, episode: Episode) -> tuple[int, int]:
        """The policy's window of labelled rows up to the data cut-off."""
        cutoff = episode.cutoff_row if episode.cutoff_row is not None else episode.created_row
        hi = self.labelled_end(cutoff)
        window = self.policy.data.window
        if window.rows is not None:
            lo = hi - window.rows
        else:  # a duration window (the policy has one or the other)
            span = window.duration.total_seconds() if window.duration is not None else 0
            lo = cutoff - int(span)
        lo = max(lo, self.stream.initial)
        if window.since_change and episode.change_ms is not None:
            stamps = self.stream.timestamps_ms[lo:hi]
            lo = hi - rows_since_change(stamps, episode.change_ms, self.policy.data.min_rows)
        return lo, hi

    def step_training(self, episode: Episode, now: int) -> bool:
        if episode.trained:
            episode.phase = CtPhase.GATING  # registered
            return True
        lo, hi = self.training_window(episode)
        if hi - lo < self.policy.data.min_rows:
            episode.events.append(f"no training data: {hi - lo} labelled rows")
            return self.end(episode, CtPhase.FAILED, now)
        self.versions += 1
        episode.challenger = self.train(np.arange(lo, hi), number=self.versions, now=now)
        episode.trained = True
        window = self.policy.data.window
        if (
            episode.change_ms is not None
            and window.since_change
            and window.rows is not None
            and hi - lo < window.rows
        ):
            self.window_cut[self.versions] = episode.change_ms  # as ``_register`` tags it
        accuracy = episode.challenger.validation_metrics.get("accuracy", math.nan)
        episode.events.append(f"trained v{self.versions} on rows {lo}-{hi}: {accuracy:.3f}")
        return True

    def step_gating(self, episode: Episode, now: int) -> bool:
        challenger = _challenger(episode)
        lo, hi = self.training_window(episode)
        data = self.split(np.arange(lo, hi))
        report = evaluate_gates(
            self.policy.gates,
            champion=self.champion.model,
            challenger=challenger.model,
            holdout_features=data.holdout_features,
            holdout_labels=data.holdout_labels,
            profile=challenger.profile,  # as the controller: the challenger's training profile
        )
        shown = [r for r in report.results if not r.passed] or list(report.results)
        verdict = "passed" if report.passed else "failed"
        episode.events.append(f"gates {verdict}: " + "; ".join(r.message for r in shown))
        if not report.passed:
            return self.end(episode, CtPhase.REJECTED, now)
        decision = start_rollout(self.policy.rollout, failing_gain=_failing_gain(episode, report))
        if decision.action is RolloutAction.PROMOTE:
            return self.promote(episode, now)
        self.move(episode, decision.phase, decision.canary_step, decision.fraction, now)
        return True

    def step_live(self, episode: Episode, now: int) -> bool:
        challenger = _challenger(episode)
        live = live_comparison(
            self.stream,
            self.log,
            since_row=episode.phase_started_row,
            now=now,
            labelled_end=self.labelled_end(now),
            champion=self.champion.number,
            challenger=challenger.number,
        )
        decision = decide_rollout(
            self.policy.rollout,
            phase=episode.phase,
            canary_step=episode.canary_step,
            phase_started_ms=self.time_ms(episode.phase_started_row),
            now_ms=self.time_ms(now),
            live=live,
            rollback_higher_is_better=self.policy.rollback_higher_is_better,
        )
        if decision.action is RolloutAction.HOLD:
            return False
        if decision.action is RolloutAction.PROMOTE:
            return self.promote(episode, now)
        if decision.action is RolloutAction.ROLLBACK:
            episode.events.append(f"row {now}: {decision.reason}")
            return self.end(episode, CtPhase.ROLLED_BACK, now)
        self.move(episode, decision.phase, decision.canary_step, decision.fraction, now)
        return True

    def move(
        self, episode: Episode, phase: CtPhase, step: int, fraction: float | None, now: int
    ) -> None:
        episode.phase, episode.canary_step, episode.phase_started_row = phase, step, now
        self.mode, self.fraction = phase, fraction or 0.0
        where = "shadow" if phase is CtPhase.SHADOW else f"canary {self.fraction:.0%}"
        episode.events.append(f"row {now}: {where}")

    def promote(self, episode: Episode, now: int) -> bool:
        self.champion = _challenger(episode)
        self.promotions.append(now)
        episode.events.append(f"row {now}: promoted v{self.champion.number}")
        return self.end(episode, CtPhase.PROMOTED, now)

    def end(self, episode: Episode, phase: CtPhase, now: int) -> bool:
        episode.phase, episode.ended_row, episode.ended_ms = phase, now, self.time_ms(now)
        self.mode, self.fraction = None, 0.0
        return True

    def episodes(self) -> list[dict[str, Any]]:
        return [episode.summary() for episode in self.all_episodes]


def _failing_gain(episode: Episode, report: GateReport) -> float | None:
    """As the controller's ``_failing_gain``: the metric gate's relative gain when the
    performance trigger started the episode."""
    if episode.trigger is not TriggerKind.PERFORMANCE:
        return None
    for result in report.results:
        if result.name == METRIC_GATE:
            improvement = result.evidence.get("improvement")
            champion = result.evidence.get("champion")
            if isinstance(improvement, float | int) and isinstance(champion, float | int):
                return float(improvement) / max(abs(float(champion)), 1e-12)
    return None


def _challenger(episode: Episode) -> Version:
    if episode.challenger is None:
        raise RuntimeError(f"episode {episode.number} has no challenger in {episode.phase}")
    return episode.challenger
