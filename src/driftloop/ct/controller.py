"""The CT controller: retrain a deployment when its policy's triggers fire, roll it out safely.

One :meth:`Controller.tick` does one step for one deployment:

1. take or renew the lease ``ct:<deployment>``; a replica that cannot stands by;
2. with no active episode, gather the trigger inputs (monitor runs, the champion's
   validation metrics, the episode history, pending ``driftloop ct trigger`` requests) and
   start an episode if a trigger fires;
3. otherwise move the active episode one step: ``triggered`` -> ``training`` (pipeline, then
   registration) -> ``gating`` -> ``shadow`` / ``canary`` steps -> ``promoted``, or end it
   ``rejected``, ``rolled_back`` or ``failed``.

All state is in the stores: the episode (changed only by compare-and-set), its events (each
written in the same transaction as the change it explains) and the deployment. A controller
killed at any point and restarted continues where the records say, without training,
registering or promoting twice (docs/ct.md, "The controller").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from driftloop.ct._controller_changes import champion_change_ms
from driftloop.ct._controller_context import ControllerContext
from driftloop.ct._controller_gating import step_gating
from driftloop.ct._controller_inputs import TriggerContext, gather_trigger_inputs
from driftloop.ct._controller_lease import lease_name
from driftloop.ct._controller_manual import MANUAL_REQUEST_KIND, request_manual_trigger
from driftloop.ct._controller_outcome import TickAction, TickOutcome
from driftloop.ct._controller_rollout import step_live
from driftloop.ct._controller_training import step_training, step_triggered
from driftloop.ct.triggers import TriggerDecision, evaluate_triggers
from driftloop.entities import CtEpisode, CtEvent, CtEventKind, CtPhase, TriggerKind
from driftloop.errors import ConflictError, DriftloopError
from driftloop.store.ct_base import CtEventDraft, CtStore

if TYPE_CHECKING:
    from driftloop.ct.policy import Policy
    from driftloop.store.base import MonitorStore
    from driftloop.tracking import Client

__all__ = [
    "MANUAL_REQUEST_KIND",
    "Controller",
    "TickAction",
    "TickOutcome",
    "now_ms",
    "request_manual_trigger",
]


def now_ms() -> int:
    """The wall clock in milliseconds since the epoch (the controller's default clock)."""
    return int(time.time() * 1000)


class Controller:
    """Drives one deployment's continuous-training episodes according to its policy.

    Args:
        policy: The deployment's policy (its ``deployment`` names the deployment).
        client: The tracking client (runs, registry, deployments).
        store: The CT store (episodes, events, leases).
        monitor_store: Where ``driftloop monitor run`` records its runs.
        inference_log_uri: The deployment's inference log root (training rows, live stats).
        holder: This replica's name in the lease.
        executor: The pipeline executor, ``local`` or ``ray``.
        ray_address: The Ray cluster for ``ray`` (None: ``RAY_ADDRESS`` or a local one).
        experiment: Where pipeline runs go (default ``ct-<deployment>``).
        clock: Milliseconds since the epoch (a parameter so tests can move time).
        lease_ttl_ms: How long the lease lasts unless renewed; tick more often than this.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        client: Client,
        store: CtStore,
        monitor_store: MonitorStore,
        inference_log_uri: str,
        holder: str,
        executor: str = "local",
        ray_address: str | None = None,
        experiment: str | None = None,
        clock: Callable[[], int] = now_ms,
        lease_ttl_ms: int = 30_000,
    ) -> None:
        self._ctx = ControllerContext(
            policy=policy,
            client=client,
            store=store,
            monitor_store=monitor_store,
            inference_log_uri=inference_log_uri,
            holder=holder,
            executor=executor,
            ray_address=ray_address,
            experiment=experiment or f"ct-{policy.deployment}",
            clock=clock,
            lease_ttl_ms=lease_ttl_ms,
        )
        self._lease_acquired: int | None = None

    @property
    def deployment(self) -> str:
        """The deployment this controller drives."""
        return self._ctx.deployment

    @property
    def holder(self) -> str:
        """This replica's name in the lease."""
        return self._ctx.holder

    def tick(self) -> TickOutcome:
        """One step: the lease, then a trigger evaluation or one step of the active episode.

        Errors from the stores or the models are returned as an ``error`` outcome (nothing was
        recorded; the next tick tries again), except pipeline failures and failed gates,
        which end the episode.
        """
        ctx = self._ctx
        now = ctx.clock()
        name = lease_name(ctx.deployment)
        lease = ctx.store.acquire_lease(name, ctx.holder, ttl_ms=ctx.lease_ttl_ms, now=now)
        if lease is None:
            return self._standby(name)
        if lease.acquired == now and self._lease_acquired != now:  # taken, not renewed
            self._lease_acquired = now
            ctx.store.append_event(
                ctx.deployment,
                CtEventKind.LEASE_ACQUIRED,
                message=f"{ctx.holder} took the lease {name}",
                evidence={"holder": ctx.holder, "ttl_ms": ctx.lease_ttl_ms},
                now=now,
            )
        episode: CtEpisode | None = None
        try:
            episode = ctx.store.get_active_episode(ctx.deployment)
            if episode is None:
                return self._evaluate(now)
            outcome = self._step(episode, now)
        except ConflictError as error:
            return ctx.outcome(
                episode, TickAction.ERROR, f"{error.message}; deciding again at the next tick"
            )
        except DriftloopError as error:
            return ctx.outcome(episode, TickAction.ERROR, error.message)
        if outcome.action is TickAction.FINISHED:
            ctx.training_data.pop(episode.episode_id, None)
        return outcome

    def run(
        self,
        *,
        interval_s: float,
        stop: threading.Event | None = None,
        max_ticks: int | None = None,
        on_tick: Callable[[TickOutcome], None] | None = None,
    ) -> None:
        """Tick every ``interval_s`` seconds until ``stop`` is set (or ``max_ticks`` ticks).

        A tick that recorded progress is followed by the next at once. An unexpected error in
        a tick is reported as an ``error`` outcome and the loop goes on. On the way out the
        lease is released, so a standby replica takes over without waiting for it to expire.
        """
        stop = stop or threading.Event()
        ctx = self._ctx
        self.record_start(interval_s)
        ticks = 0
        try:
            while not stop.is_set() and (max_ticks is None or ticks < max_ticks):
                outcome = self._guarded_tick()
                ticks += 1
                if on_tick is not None:
                    on_tick(outcome)
                if not outcome.progressed:
                    stop.wait(interval_s)
        finally:
            ctx.store.release_lease(lease_name(ctx.deployment), ctx.holder)

    def record_start(self, interval_s: float | None = None) -> CtEvent:
        """Record ``controller_started`` with the policy in force (``run`` does it first).

        A caller that ticks the controller itself (the quickstart; ``interval_s`` None) calls
        it once, so the event log and the UI show which policy decided.
        """
        ctx = self._ctx
        cadence = "ticked by its caller" if interval_s is None else f"every {interval_s:g} s"
        return ctx.store.append_event(
            ctx.deployment,
            CtEventKind.CONTROLLER_STARTED,
            message=f"controller {ctx.holder} started ({cadence})",
            evidence={
                "holder": ctx.holder,
                "interval_s": interval_s,
                "executor": ctx.executor,
                "policy": ctx.policy.to_document(),  # the policy in force, for the UI
            },
            now=ctx.clock(),
        )

    def request_manual_trigger(self, reason: str = "", requested_by: str | None = None) -> CtEvent:
        """Ask for a retraining now, as ``driftloop ct trigger`` does.

        See :func:`~driftloop.ct.request_manual_trigger`.
        """
        return request_manual_trigger(
            self._ctx.store,
            self._ctx.deployment,
            reason=reason,
            requested_by=requested_by,
            now=self._ctx.clock(),
        )

    # -- steps ---------------------------------------------------------------------------

    def _guarded_tick(self) -> TickOutcome:
        try:
            return self.tick()
        except Exception as error:  # noqa: BLE001 - the loop reports and goes on
            return self._ctx.outcome(None, TickAction.ERROR, f"{type(error).__name__}: {error}")

    def _standby(self, name: str) -> TickOutcome:
        held = self._ctx.store.get_lease(name)
        if held is None:
            return self._ctx.outcome(None, TickAction.STANDBY, "standing by")
        until = datetime.fromtimestamp(held.expires / 1000, tz=UTC).isoformat(timespec="seconds")
        return self._ctx.outcome(
            None,
            TickAction.STANDBY,
            f"standing by: {held.holder} holds {name} until {until}",
            {"holder": held.holder, "expires": held.expires},
        )

    def _step(self, episode: CtEpisode, now: int) -> TickOutcome:
        ctx = self._ctx
        if episode.phase is CtPhase.TRIGGERED:
            return step_triggered(ctx, episode)
        if episode.phase is CtPhase.TRAINING:
            return step_training(ctx, episode)
        if episode.phase is CtPhase.GATING:
            return step_gating(ctx, episode)
        return step_live(ctx, episode, now)

    def _change_ms(self, gathered: TriggerContext, version: int, now: int) -> int | None:
        """The monitor runs' newest change point, else one found in the inference log."""
        ctx = self._ctx
        if gathered.change_ms is not None or not ctx.policy.data.window.since_change:
            return gathered.change_ms
        since = gathered.inputs.last_training_ms
        return champion_change_ms(
            ctx.inference_log_uri,
            ctx.deployment,
            version=version,
            since_ms=since if since is not None else 0,
            end_ms=now,
        )

    def _evaluate(self, now: int) -> TickOutcome:
        ctx = self._ctx
        champion = ctx.champion()
        gathered = gather_trigger_inputs(
            triggers=ctx.policy.triggers,
            deployment=ctx.deployment,
            champion=champion,
            client=ctx.client,
            store=ctx.store,
            monitor_store=ctx.monitor_store,
            inference_log_uri=ctx.inference_log_uri,
            now_ms=now,
            data=ctx.policy.data,
        )
        decision = evaluate_triggers(ctx.policy.triggers, gathered.inputs)
        if decision.kind is None:
            return ctx.outcome(None, TickAction.IDLE, _idle_message(decision), decision.evidence)
        evidence: dict[str, Any] = dict(decision.evidence)
        if gathered.manual_request is not None:
            request = gathered.manual_request
            evidence["request"] = {"event_id": request.event_id, **request.evidence}
        refill = gathered.inputs.refill
        change_ms = (
            refill.change_ms
            if decision.kind is TriggerKind.REFILL and refill is not None
            else self._change_ms(gathered, champion.version, now)
        )
        if change_ms is not None:
            evidence["change_ms"] = change_ms  # the training window may start there
        message = f"{decision.kind} trigger fired: {_fired_summary(decision, evidence)}"
        episode = ctx.store.start_episode(
            ctx.deployment,
            trigger=decision.kind,
            evidence=evidence,
            champion_version=champion.version,
            event=CtEventDraft(CtEventKind.TRIGGER_FIRED, message, evidence),
            now=now,
        )
        return TickOutcome(
            ctx.deployment, TickAction.STARTED, message, episode.episode_id, episode.phase, evidence
        )


def _idle_message(decision: TriggerDecision) -> str:
    blocked = decision.evidence.get("blocked_by")
    if blocked == "cooldown":
        until = decision.evidence.get("cooldown_until_ms")
        stamp = (
            datetime.fromtimestamp(until / 1000, tz=UTC).isoformat(timespec="seconds")
            if isinstance(until, int)
            else "?"
        )
        fired = ", ".join(decision.evidence.get("would_fire", {})) or "?"
        return f"{fired} would fire, held back by the cooldown until {stamp}"
    reasons = [f"{kind}: {reason}" for kind, reason in decision.not_fired.items()]
    return "no trigger fired (" + "; ".join(reasons) + ")"


def _fired_summary(decision: TriggerDecision, evidence: dict[str, Any]) -> str:
    kind = str(decision.kind)
    if kind == "drift":
        return f"{evidence.get('consecutive')} consecutive drift windows"
    if kind == "performance":
        return "; ".join(evidence.get("breaches", [])) or "out of bounds"
    if kind == "manual":
        request = evidence.get("request", {})
        reason = request.get("reason") if isinstance(request, dict) else None
        return reason or "requested"
    if kind == "refill":
        return (
            f"{evidence.get('labels_since_change')} labelled rows since the change the "
            "champion's window was cut at"
        )
    if kind == "new_labels":
        return f"{evidence.get('labels')} new labels (>= {evidence.get('required')})"
    return f"cron {evidence.get('cron')}"
