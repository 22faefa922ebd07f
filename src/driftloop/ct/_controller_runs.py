"""The pipeline runs of an episode, found again after a restart.

:func:`~driftloop.ct.retrain.retrain` tags the parent run with ``driftloop.lineage.episode_id``
when it starts and with ``driftloop.ct.episode_id`` (and the validation metrics) once it has
finished. A controller that died while training finds:

- a ``FINISHED`` parent run with the episode tag: the training is reused as it is;
- ``RUNNING`` runs of the episode (the dead process's): they are marked ``KILLED`` before
  training again (the pipeline cache still reuses any step that had finished).
"""

from __future__ import annotations

from driftloop.ct.retrain import EPISODE_TAG, RetrainResult
from driftloop.entities import Run, RunStatus
from driftloop.pipelines.artifacts_io import ValueKind, stored_path
from driftloop.pipelines.stored_outputs import OUTPUTS_DIR
from driftloop.pipelines.tags import LINEAGE_TAG_PREFIX, OUTPUTS_RUN_TAG, ROLE_TAG, STEP_TAG
from driftloop.tracking import Client

__all__ = ["finished_retrain", "kill_stale_runs"]

_TRAIN_STEP = "train"
_MODEL_OUTPUT = "model"
_PARENT_TAG = "mlflow.parentRunId"
_LINEAGE_EPISODE_TAG = f"{LINEAGE_TAG_PREFIX}episode_id"


def finished_retrain(client: Client, experiment: str, episode_id: str) -> RetrainResult | None:
    """The episode's finished retraining (the oldest, should there be several), or None."""
    experiment_id = _experiment_id(client, experiment)
    if experiment_id is None:
        return None
    parents = _search(
        client,
        experiment_id,
        f"tags.`{EPISODE_TAG}` = '{episode_id}' and tags.`{ROLE_TAG}` = 'pipeline' "
        "and attributes.status = 'FINISHED'",
    )
    for parent in parents:
        children = _search(
            client,
            experiment_id,
            f"tags.`{_PARENT_TAG}` = '{parent.info.run_id}' and tags.`{STEP_TAG}` = "
            f"'{_TRAIN_STEP}' and attributes.status = 'FINISHED'",
        )
        model_run = next(
            (c.data.tags[OUTPUTS_RUN_TAG] for c in children if OUTPUTS_RUN_TAG in c.data.tags),
            None,
        )
        if model_run is None:
            continue
        path = stored_path(ValueKind.MODEL)
        return RetrainResult(
            run_id=parent.info.run_id,
            model_uri=f"runs:/{model_run}/{OUTPUTS_DIR}/{_MODEL_OUTPUT}/{path}",
            validation_metrics=dict(parent.data.metrics),
            model_run_id=model_run,
        )
    return None


def kill_stale_runs(client: Client, experiment: str, episode_id: str) -> list[str]:
    """Mark the episode's ``RUNNING`` pipeline runs (parent and steps) ``KILLED``; their ids."""
    experiment_id = _experiment_id(client, experiment)
    if experiment_id is None:
        return []
    running = "attributes.status = 'RUNNING'"
    killed = []
    parents = _search(
        client, experiment_id, f"tags.`{_LINEAGE_EPISODE_TAG}` = '{episode_id}' and {running}"
    )
    for parent in parents:
        steps = _search(
            client, experiment_id, f"tags.`{_PARENT_TAG}` = '{parent.info.run_id}' and {running}"
        )
        for run in [*steps, parent]:
            client.set_terminated(run.info.run_id, RunStatus.KILLED)
            killed.append(run.info.run_id)
    return killed


def _experiment_id(client: Client, experiment: str) -> str | None:
    found = client.get_experiment_by_name(experiment)
    return None if found is None else found.experiment_id


def _search(client: Client, experiment_id: str, filter_string: str) -> list[Run]:
    page = client.search_runs(
        [experiment_id], filter_string, max_results=100, order_by=["attributes.start_time ASC"]
    )
    return list(page.items)
