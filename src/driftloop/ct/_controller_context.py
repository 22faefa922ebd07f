"""What every phase step of the controller shares: the policy, the stores, and how to record.

Each phase step (``_controller_training``, ``_controller_gating``, ``_controller_rollout``)
reads the episode and the world, does at most one side effect, and records the result with
one compare-and-set :meth:`~driftloop.store.ct_base.CtStore.advance_episode` that carries its
event. A step whose side effect happened but whose record did not (a crash in between) finds
the effect on the next tick and records it then, so nothing is done twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftloop.ct._controller_outcome import TickAction, TickOutcome
from driftloop.entities import CtEpisode, CtEvent, CtEventKind, CtPhase, Deployment, ModelVersion
from driftloop.store.base import MonitorStore
from driftloop.store.ct_base import CtEventDraft, CtStore
from driftloop.store.deployment_base import UNCHANGED, _Unchanged
from driftloop.tracking import Client

if TYPE_CHECKING:
    from driftloop.ct.policy import Policy
    from driftloop.ct.training_data import TrainingData

__all__ = ["EPISODE_FAILED_KIND", "ControllerContext"]

EPISODE_FAILED_KIND = "episode_failed"
"""Event kind of an episode ended ``failed`` outside the pipeline (e.g. unloadable model)."""


@dataclass(slots=True)
class ControllerContext:
    """The controller's configuration and its per-process caches."""

    policy: Policy
    client: Client
    store: CtStore
    monitor_store: MonitorStore
    inference_log_uri: str
    holder: str
    executor: str
    ray_address: str | None
    experiment: str
    clock: Callable[[], int]
    lease_ttl_ms: int
    training_data: dict[str, TrainingData] = field(default_factory=dict)
    """Training data assembled for an episode (its holdout feeds the gates), by episode id."""

    @property
    def deployment(self) -> str:
        """The deployment the policy retrains."""
        return self.policy.deployment

    def get_deployment(self) -> Deployment:
        """The deployment as stored now."""
        return self.client.get_deployment(self.deployment)

    def champion(self, deployment: Deployment | None = None) -> ModelVersion:
        """The version the deployment's champion alias points at now."""
        target = deployment or self.get_deployment()
        return self.client.get_version_by_alias(target.model_name, target.champion_alias)

    def events(self, episode: CtEpisode) -> list[CtEvent]:
        """The episode's events, oldest first."""
        found: list[CtEvent] = []
        token: str | None = None
        while True:
            page = self.store.list_events(
                self.deployment, episode_id=episode.episode_id, max_results=1000, page_token=token
            )
            found.extend(page.items)
            token = page.next_page_token
            if not token:
                return found

    def last_event(self, episode: CtEpisode, kind: CtEventKind | str) -> CtEvent | None:
        """The episode's newest event of ``kind``, or None."""
        matching = [event for event in self.events(episode) if event.kind == kind]
        return matching[-1] if matching else None

    def advance(
        self,
        episode: CtEpisode,
        *,
        kind: CtEventKind | str,
        message: str,
        evidence: Mapping[str, Any] | None = None,
        phase: CtPhase | None = None,
        pipeline_run_id: str | _Unchanged | None = UNCHANGED,
        challenger_version: int | _Unchanged | None = UNCHANGED,
        canary_step: int | None = None,
        action: TickAction | None = None,
    ) -> TickOutcome:
        """Record a step (compare-and-set on the episode's revision) with its event.

        Every call changes the episode (at least its message), so a stale caller fails on the
        revision instead of appending its event a second time.
        """
        updated = self.store.advance_episode(
            episode.episode_id,
            expected_revision=episode.revision,
            phase=phase,
            pipeline_run_id=pipeline_run_id,
            challenger_version=challenger_version,
            canary_step=canary_step,
            message=message,
            event=CtEventDraft(str(kind), message, dict(evidence or {})),
            now=self.clock(),
        )
        chosen = action or (TickAction.FINISHED if updated.phase.terminal else TickAction.ADVANCED)
        return TickOutcome(
            self.deployment,
            chosen,
            message,
            updated.episode_id,
            updated.phase,
            dict(evidence or {}),
        )

    def fail(
        self,
        episode: CtEpisode,
        *,
        kind: CtEventKind | str,
        message: str,
        evidence: Mapping[str, Any] | None = None,
    ) -> TickOutcome:
        """End the episode ``failed``; the champion is untouched and our challenger removed."""
        self.clear_challenger(episode)
        return self.advance(
            episode, kind=kind, message=message, evidence=evidence, phase=CtPhase.FAILED
        )

    def clear_challenger(self, episode: CtEpisode) -> bool:
        """Take the episode's challenger off the deployment if it is there (idempotent)."""
        if episode.challenger_version is None:
            return False
        deployment = self.get_deployment()
        if deployment.challenger_version != episode.challenger_version:
            return False
        self.client.update_deployment(self.deployment, challenger_version=None)
        return True

    def outcome(
        self,
        episode: CtEpisode | None,
        action: TickAction,
        message: str,
        evidence: Mapping[str, Any] | None = None,
    ) -> TickOutcome:
        """An outcome that recorded nothing (hold, idle, error)."""
        return TickOutcome(
            self.deployment,
            action,
            message,
            None if episode is None else episode.episode_id,
            None if episode is None else episode.phase,
            dict(evidence or {}),
        )
