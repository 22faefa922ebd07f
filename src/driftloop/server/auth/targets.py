"""Which experiments or registered models a request touches, found from its parameters.

``Endpoint.resource`` says where to look: ``experiment_id``/``experiment_ids`` (or
``experiment_name``) for experiments, ``run_id``/``run_uuid`` for runs (mapped to the run's
experiment), ``name`` for registered models, ``name`` or ``deployment`` for deployments (mapped
to the deployment's registered model; a CT ``episode_id`` is mapped to its deployment first),
``model_name`` for a deployment being created, and the first
segment of the artifact path for the artifact proxy (artifacts are stored under
``<experiment id>/...``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from driftloop.errors import InvalidParameterError, NotFoundError
from driftloop.server.auth.entities import ResourceType
from driftloop.server.auth.permissions import Target
from driftloop.server.routing import Call, Resource

_UNSAFE_SEGMENTS = frozenset({"", ".", ".."})


async def resolve_targets(call: Call, resource: Resource) -> list[Target] | None:
    """The resources of the request; None for ``GLOBAL``, empty when none can be found.

    A run or experiment name that does not exist gives no target (so the request is refused
    to a user who holds only grants, without telling whether the resource exists).
    """
    if resource is Resource.GLOBAL:
        return None
    if resource is Resource.EXPERIMENT:
        return await _experiments(call)
    if resource is Resource.RUN:
        return await _run_experiment(call)
    if resource is Resource.REGISTERED_MODEL:
        name = call.params.string("name")
        return [] if name is None else [(ResourceType.REGISTERED_MODEL, name)]
    if resource is Resource.DEPLOYMENT:
        return await _deployment_model(call)
    if resource is Resource.DEPLOYMENT_MODEL:
        name = call.params.string("model_name")
        return [] if name is None else [(ResourceType.REGISTERED_MODEL, name)]
    return _artifact_experiment(call)


async def _experiments(call: Call) -> list[Target]:
    ids = [*call.params.strings("experiment_ids")]
    single = call.params.string("experiment_id") or call.request.path_params.get("experiment_id")
    if single is not None:
        ids.append(str(single))
    if not ids:
        name = call.params.string("experiment_name")
        if name is None:
            return []
        experiment = await run_in_threadpool(
            call.state.stores.experiments.get_experiment_by_name, name
        )
        if experiment is None:
            return []
        ids.append(experiment.experiment_id)
    return [(ResourceType.EXPERIMENT, experiment_id) for experiment_id in ids]


async def _run_experiment(call: Call) -> list[Target]:
    run_id = (
        call.params.string("run_id")
        or call.params.string("run_uuid")
        or call.request.path_params.get("run_id")
    )
    if run_id is None:
        return []
    try:
        run = await run_in_threadpool(call.state.stores.runs.get_run, str(run_id))
    except NotFoundError:
        return []
    return [(ResourceType.EXPERIMENT, run.info.experiment_id)]


async def _deployment_model(call: Call) -> list[Target]:
    sent = call.params.string("name") or call.params.string("deployment")
    names = set() if sent is None else {sent}
    if call.params.has("episode_id"):
        # The episode's own deployment is authoritative: a grant on the deployment sent
        # alongside must not reach another deployment's episode.
        owner = await _episode_deployment(call)
        if owner is None:
            return []
        names.add(owner)
    targets: list[Target] = []
    for name in sorted(names):
        try:
            deployment = await run_in_threadpool(call.state.stores.deployments.get_deployment, name)
        except NotFoundError:
            return []
        targets.append((ResourceType.REGISTERED_MODEL, deployment.model_name))
    return targets


async def _episode_deployment(call: Call) -> str | None:
    episode_id = call.params.string("episode_id")
    if episode_id is None:
        return None
    try:
        episode = await run_in_threadpool(call.state.stores.ct.get_episode, episode_id)
    except (NotFoundError, InvalidParameterError):
        return None
    return episode.deployment


def _artifact_experiment(call: Call) -> list[Target]:
    path_params = call.request.path_params
    path = next(iter(path_params.values()), None) if path_params else None
    if path is None:
        path = call.params.string("path")
    if path is None:
        return []
    segments = str(path).strip("/").split("/")
    if any(segment in _UNSAFE_SEGMENTS or "\\" in segment for segment in segments):
        return []
    return [(ResourceType.EXPERIMENT, segments[0])]
