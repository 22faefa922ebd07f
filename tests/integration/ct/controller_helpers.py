"""A real deployment for the controller tests: a tracking folder, a registered champion, its
inference log written with the real writer as the scoring server would, and training entry
points a policy can name.

The champion ``clf`` v1 is a logistic regression fitted on rule A (``f0 + 0.5 f1 - f3 > 0``).
Live traffic can follow rule B instead (``f0 - f1 + f2 > 0.5``, with ``f0`` and ``f2``
shifted: data drift and concept drift), which a model retrained on the log learns and the
champion does not. :meth:`World.serve` answers requests as ``driftloop serve`` would for the
deployment as it is now: the champion route, shadow copies scored by the challenger, or a
canary share (the server's own :func:`~driftloop.serving.routing.choose_route`).

:func:`run_replica` is the crash tests' controller process: it ticks until it kills itself
(SIGKILL) right after a chosen call.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression

from driftloop.cli.serve import default_inference_log_uri
from driftloop.ct.controller import Controller, TickAction, TickOutcome
from driftloop.ct.policy import Policy, load_policy, parse_policy
from driftloop.entities import CtEvent, DeploymentMode
from driftloop.monitoring.inference_log import FeedbackLabel, InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id
from driftloop.serving.routing import Route, choose_route
from driftloop.store.sql.stores import SqlStores
from driftloop.tracking import Client
from driftloop.tracking.uri import get_stores

FEATURES = ["f0", "f1", "f2", "f3"]
MODEL = "clf"
DEPLOYMENT = "churn"
HERE = "tests.integration.ct.controller_helpers"


# -- data ----------------------------------------------------------------------------------


def rule_a(frame: pd.DataFrame) -> np.ndarray:
    """The champion's concept."""
    return (frame["f0"] + 0.5 * frame["f1"] - frame["f3"] > 0).astype(int).to_numpy()


def rule_b(frame: pd.DataFrame) -> np.ndarray:
    """The drifted concept the retrained challenger learns."""
    return (frame["f0"] - frame["f1"] + frame["f2"] > 0.5).astype(int).to_numpy()


def feature_rows(rows: int, seed: int, *, shift: float = 0.0) -> pd.DataFrame:
    """Standard normal features; ``shift`` moves ``f0`` and ``f2`` (data drift)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, len(FEATURES))), columns=FEATURES)
    frame["f0"] += shift
    frame["f2"] += shift
    return frame


# -- training entry points (named by the policies) -------------------------------------------


def train_logistic(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    C: float = 1.0,  # noqa: N803 - scikit-learn's name
    flip: bool = False,
) -> LogisticRegression:
    """A logistic regression; ``flip`` trains it on inverted labels (a model worse than any)."""
    target = 1 - labels.to_numpy().astype(int) if flip else labels
    return LogisticRegression(C=C).fit(features[FEATURES], target)


def train_failing(features: pd.DataFrame, labels: pd.Series) -> LogisticRegression:
    """Training code that crashes."""
    raise RuntimeError(f"training diverged on {len(features)} rows")


def train_blocking(
    features: pd.DataFrame, labels: pd.Series, *, marker: str, block: str
) -> LogisticRegression:
    """Writes ``marker``, then waits while the file ``block`` exists (to be killed meanwhile)."""
    Path(marker).write_text("training", encoding="utf-8")
    deadline = time.monotonic() + 60
    while Path(block).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return train_logistic(features, labels)


# -- the world -------------------------------------------------------------------------------


def policy_document(**sections: Any) -> dict[str, Any]:
    """The test policy as YAML data; ``sections`` replace the defaults (by top-level key)."""
    document: dict[str, Any] = {
        "deployment": DEPLOYMENT,
        "training": {"entry_point": f"{HERE}:train_logistic"},
        "data": {"window": {"rows": 600}, "holdout": {"fraction": 0.25}, "min_rows": 100},
        "triggers": {"cooldown": "1h", "drift": {"consecutive": 2}},
        # The range check of data validation would judge drifted rows against the old
        # champion's profile; only the end-to-end drift test keeps it (fixed seeds).
        "gates": {"metric": "accuracy", "margin": 0.02, "data_validation": False},
        "rollout": {
            "shadow": {"requests": 40},
            "canary": {"steps": [0.5], "hold": {"requests": 30}},
            "rollback": {"margin": 0.05, "min_samples": 25},
        },
    }
    document.update(sections)
    return document


@dataclass
class World:
    """A tracking folder with ``clf`` v1 as champion behind the deployment ``churn``."""

    root: Path
    client: Client
    stores: SqlStores

    @property
    def log_root(self) -> str:
        """The default inference log of the tracking folder."""
        return default_inference_log_uri(str(self.root))

    def policy(self, **sections: Any) -> Policy:
        """A policy for ``churn``; ``sections`` replace the defaults (by top-level key)."""
        return parse_policy(yaml.safe_dump(policy_document(**sections)), source="policy.yaml")

    def write_policy(self, path: Path, **sections: Any) -> Path:
        """The policy as a YAML file (for the CLI and the controller processes)."""
        path.write_text(yaml.safe_dump(policy_document(**sections)), encoding="utf-8")
        return path

    def controller(self, policy: Policy, holder: str = "replica-a", **options: Any) -> Controller:
        """A controller on this world's stores and log."""
        return Controller(
            policy,
            client=self.client,
            store=self.stores.ct,
            monitor_store=self.stores.monitoring,
            inference_log_uri=self.log_root,
            holder=holder,
            **options,
        )

    def serve(self, frame: pd.DataFrame, *, rule: Callable[[pd.DataFrame], np.ndarray]) -> None:
        """Answer one request per row as the scoring server would now, then send the labels."""
        deployment = self.client.get_deployment(DEPLOYMENT)
        champion = self.client.get_version_by_alias(MODEL, deployment.champion_alias)
        models = {champion.version: self._model(champion.version)}
        challenger = deployment.challenger_version
        if challenger is not None:
            models[challenger] = self._model(challenger)
        answers = {version: model.predict(frame[FEATURES]) for version, model in models.items()}
        labels = rule(frame)
        writer = InferenceLogWriter(self.log_root, DEPLOYMENT, flush_seconds=0.05)
        writer.start()
        feedback = []
        try:
            for index in range(len(frame)):
                request_id = new_request_id()
                route = choose_route(
                    request_id, deployment.mode, deployment.canary_fraction, challenger is not None
                )
                version = challenger if route is Route.CHALLENGER else champion.version
                assert version is not None
                writer.submit(_scored(request_id, frame, index, version, route.value, answers))
                if challenger is not None and deployment.mode is DeploymentMode.SHADOW:
                    writer.submit(_scored(request_id, frame, index, challenger, "shadow", answers))
                feedback.append(FeedbackLabel(request_id, label=int(labels[index]), row_index=0))
            writer.flush()
            writer.submit_feedback(feedback)
        finally:
            writer.close()

    def _model(self, version: int) -> Any:
        return self.client.load_model(f"models:/{MODEL}/{version}")

    def events(self, episode_id: str | None = None) -> list[CtEvent]:
        """The deployment's CT events (of one episode), oldest first."""
        return list(
            self.stores.ct.list_events(DEPLOYMENT, episode_id=episode_id, max_results=10_000).items
        )


def _scored(
    request_id: str,
    frame: pd.DataFrame,
    index: int,
    version: int,
    route: str,
    answers: dict[int, np.ndarray],
) -> ScoredRequest:
    return ScoredRequest(
        request_id=request_id,
        timestamp_ms=int(time.time() * 1000),
        model_name=MODEL,
        model_version=version,
        route=route,
        features=frame.iloc[[index]][FEATURES].reset_index(drop=True),
        predictions=[int(answers[version][index])],
        probabilities=None,
        latency_ms=2.0,
    )


def make_world(root: Path) -> World:
    """Register the champion (fitted on rule A, with its reference profile) and deploy it."""
    client = Client(str(root))
    frame = feature_rows(1000, seed=0)
    target = rule_a(frame)
    run = client.create_run("0")
    model = LogisticRegression().fit(frame, target)
    client.log_metric(run.info.run_id, "accuracy", float(model.score(frame, target)))
    client.log_model(
        run.info.run_id,
        model,
        "model",
        training_data=frame,
        target=pd.Series(target, name="label"),
        registered_model_name=MODEL,
    )
    client.set_terminated(run.info.run_id)
    client.set_alias(MODEL, "champion", 1)
    client.create_deployment(DEPLOYMENT, MODEL)
    return World(root, client, _open(root))


def tick_until(
    controller: Controller,
    done: Callable[[TickOutcome], bool],
    *,
    world: World | None = None,
    traffic: Callable[[World], None] | None = None,
    max_ticks: int = 30,
) -> list[TickOutcome]:
    """Tick until ``done``; on every hold, ``traffic`` serves more requests first."""
    outcomes = []
    for _ in range(max_ticks):
        outcome = controller.tick()
        outcomes.append(outcome)
        assert outcome.action is not TickAction.ERROR, outcome.message
        if done(outcome):
            return outcomes
        if outcome.action is TickAction.HOLD and traffic is not None and world is not None:
            traffic(world)
    raise AssertionError(f"not done after {max_ticks} ticks: {[o.message for o in outcomes]}")


# -- the crash runner ------------------------------------------------------------------------


def run_replica(
    root: str, policy_path: str, *, kill_after: str | None = None, rule: str = "b"
) -> None:
    """A controller process: tick until the episode ends (exit 0), or die by SIGKILL.

    ``kill_after`` makes the process SIGKILL itself right after the real call of
    ``Client.<name>`` (e.g. ``register_model``, ``promote_deployment``), or, as
    ``record:<kind>``, right before the episode change that would record an event of that
    kind: the side effect happened, its record did not. On every hold it serves 40 requests
    under rule ``a`` or ``b``. Exit code 3: not finished after 40 ticks.
    """
    world = World(Path(root), Client(root), _open(Path(root)))
    policy = load_policy(policy_path)
    if kill_after is not None:
        _arm(world, kill_after)
    controller = world.controller(policy, holder="replica-a")
    serve_rule = rule_b if rule == "b" else rule_a
    seeds = iter(range(1000 + os.getpid() % 1000 * 100, 10**9))
    for _ in range(40):
        outcome = controller.tick()
        print(outcome.action.value, outcome.phase, outcome.message, flush=True)
        if outcome.action is TickAction.FINISHED:
            return
        if outcome.action is TickAction.HOLD:
            world.serve(feature_rows(40, next(seeds), shift=0.5), rule=serve_rule)
    sys.exit(3)


def _open(root: Path) -> SqlStores:
    """The (cached) SQL stores of the tracking folder, the ones its clients use."""
    stores = get_stores(str(root))
    assert isinstance(stores, SqlStores)
    return stores


def _arm(world: World, target: str) -> None:
    """Replace one call with the real call followed by SIGKILL (fault injection)."""
    if target.startswith("record:"):
        kind = target.split(":", 1)[1]
        store = world.stores.ct
        real_advance = store.advance_episode

        def advance(episode_id: str, **kwargs: Any) -> Any:
            event = kwargs.get("event")
            if event is not None and event.kind == kind:
                os.kill(os.getpid(), signal.SIGKILL)
            return real_advance(episode_id, **kwargs)

        store.advance_episode = advance  # type: ignore[method-assign]
        return
    real = getattr(world.client, target)

    def killing(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(world.client, target, killing)
