"""MLflow's ``artifacts/list`` for a run: the files below its artifact root.

Runs whose artifacts are under the server's artifacts destination are listed through the
server's repository; a run whose artifact URI is elsewhere (an experiment created with an
explicit location) is listed only if the client could reach it itself, so the server refuses
it rather than reading arbitrary locations on the client's behalf.
"""

from __future__ import annotations

from typing import Any

from driftloop.artifacts.paths import join_artifact_path, validate_artifact_path
from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api._common import destination, run_id
from driftloop.server.mlflow_api.artifact_uris import relative_to_destination, to_client_uri
from driftloop.server.mlflow_api.convert import file_info_json
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint


def list_under(call: Call, root_uri: str, path: str | None, field: str) -> dict[str, Any]:
    """The ``{root_uri, files}`` listing of ``path`` below a stored artifact root."""
    base = relative_to_destination(root_uri, destination(call))
    if base is None:
        raise InvalidParameterError(
            "the artifacts are outside the server's artifacts destination; read them from "
            "their location directly",
            field=field,
        )
    relative = validate_artifact_path(path, field="path")
    infos = call.state.artifacts.list_artifacts(join_artifact_path(base, relative) or None)
    return {
        "root_uri": to_client_uri(root_uri, destination(call)),
        "files": [file_info_json(info, base) for info in infos],
    }


def list_artifacts(call: Call) -> dict[str, Any]:
    """List a run's artifacts below ``path``."""
    run = call.state.stores.runs.get_run(run_id(call))
    return list_under(call, run.info.artifact_uri, call.params.string("path"), "run_id")


ENDPOINTS: list[Endpoint] = [
    endpoint("/mlflow/artifacts/list", "GET", list_artifacts, Permission.READ, Resource.RUN),
]
