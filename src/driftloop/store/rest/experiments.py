"""``ExperimentStore`` over the native REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import Experiment, Page, ViewType
from driftloop.server.api_v1 import codec
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, ExperimentStore
from driftloop.store.rest.client import RestClient, int_query


class RestExperimentStore(ExperimentStore):
    """Experiments on a driftloop server (``/api/v1/experiments/*``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create an experiment and return its id."""
        body = {"name": name, "artifact_location": artifact_location, "tags": _tags(tags)}
        return str(self._client.post("/experiments/create", body)["experiment_id"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment; raises ``ExperimentNotFoundError`` when there is none."""
        data = self._client.get("/experiments/get", {"experiment_id": experiment_id})
        return codec.experiment_from_json(data["experiment"])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with this exact name (active or deleted), or None."""
        data = self._client.get("/experiments/get-by-name", {"name": name})
        found = data.get("experiment")
        return None if found is None else codec.experiment_from_json(found)

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """Search experiments (see :meth:`ExperimentStore.search_experiments`)."""
        data = self._client.get(
            "/experiments/search",
            {
                "view_type": str(view_type),
                "max_results": int_query(max_results, "max_results"),
                "filter": filter_string,
                "order_by": list(order_by) if order_by else None,
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "experiments", codec.experiment_from_json)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename; raises ``AlreadyExistsError`` if the new name is taken."""
        body = {"experiment_id": experiment_id, "new_name": new_name}
        self._client.post("/experiments/rename", body)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete the experiment and its runs (restorable)."""
        self._client.post("/experiments/delete", {"experiment_id": experiment_id})

    def restore_experiment(self, experiment_id: str) -> None:
        """Undo a soft delete of the experiment and of the runs deleted with it."""
        self._client.post("/experiments/restore", {"experiment_id": experiment_id})

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one experiment tag."""
        body = {"experiment_id": experiment_id, "key": key, "value": value}
        self._client.post("/experiments/set-tag", body)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove one experiment tag; raises ``NotFoundError`` if it is not set."""
        self._client.post("/experiments/delete-tag", {"experiment_id": experiment_id, "key": key})


def _tags(tags: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if tags is None else dict(tags)
