"""``ModelVersionStore`` over the native REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import ModelVersion, ModelVersionStatus, Page
from driftloop.server.api_v1 import codec
from driftloop.store.base import MODEL_VERSION_MAX_RESULTS_DEFAULT, ModelVersionStore
from driftloop.store.registry_validation import validate_version
from driftloop.store.rest.client import RestClient, int_query


class RestModelVersionStore(ModelVersionStore):
    """Model versions on a driftloop server (``/api/v1/registry/versions``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def _version(self, path: str, body: Mapping[str, object]) -> ModelVersion:
        return codec.model_version_from_json(self._client.post(path, body)["model_version"])

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Register a new ``READY`` version."""
        body = {
            "name": name,
            "source": source,
            "run_id": run_id,
            "tags": None if tags is None else dict(tags),
            "description": description,
            "actor": actor,
        }
        return self._version("/registry/versions/create", body)

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """Return one version."""
        # The version travels in a query string, where a wrong type would not show: check it.
        query = {"name": name, "version": validate_version(version)}
        data = self._client.get("/registry/versions/get", query)
        return codec.model_version_from_json(data["model_version"])

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """Search versions (see :meth:`ModelVersionStore.search_model_versions`)."""
        data = self._client.get(
            "/registry/versions/search",
            {
                "filter": filter_string,
                "max_results": int_query(max_results, "max_results"),
                "order_by": list(order_by) if order_by else None,
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "model_versions", codec.model_version_from_json)

    def update_model_version(
        self, name: str, version: int, description: str | None
    ) -> ModelVersion:
        """Replace a version's description (``None`` clears it)."""
        body = {"name": name, "version": version, "description": description}
        return self._version("/registry/versions/update", body)

    def set_model_version_status(
        self,
        name: str,
        version: int,
        status: ModelVersionStatus,
        status_message: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Set a version's status and message."""
        body = {
            "name": name,
            "version": version,
            "status": status,
            "status_message": status_message,
            "actor": actor,
        }
        return self._version("/registry/versions/set-status", body)

    def delete_model_version(self, name: str, version: int, *, actor: str | None = None) -> None:
        """Delete a version and the aliases pointing at it."""
        body = {"name": name, "version": version, "actor": actor}
        self._client.post("/registry/versions/delete", body)

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or overwrite) one version tag."""
        body = {"name": name, "version": version, "key": key, "value": value}
        self._client.post("/registry/versions/set-tag", body)

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove one version tag; a tag that is not set is no error."""
        body = {"name": name, "version": version, "key": key}
        self._client.post("/registry/versions/delete-tag", body)

    def get_latest_version(self, name: str) -> ModelVersion | None:
        """Return the model's highest-numbered version, or None when it has none."""
        found = self._client.get("/registry/versions/latest", {"name": name})["model_version"]
        return None if found is None else codec.model_version_from_json(found)
