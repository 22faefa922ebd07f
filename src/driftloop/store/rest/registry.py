"""``RegistryStore`` over the native REST API (registered models and aliases)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import ModelVersion, Page, RegisteredModel
from driftloop.server.api_v1 import codec
from driftloop.store.base import REGISTERED_MODEL_MAX_RESULTS_DEFAULT, RegistryStore
from driftloop.store.rest.client import RestClient, int_query


class RestRegistryStore(RegistryStore):
    """Registered models on a driftloop server (``/api/v1/registry/models``, ``/aliases``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def _model(self, path: str, body: Mapping[str, object]) -> RegisteredModel:
        data = self._client.post(path, body)
        return codec.registered_model_from_json(data["registered_model"])

    def create_registered_model(
        self,
        name: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        *,
        actor: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model with no versions."""
        body = {
            "name": name,
            "description": description,
            "tags": None if tags is None else dict(tags),
            "actor": actor,
        }
        return self._model("/registry/models/create", body)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return the model with its tags and aliases."""
        data = self._client.get("/registry/models/get", {"name": name})
        return codec.registered_model_from_json(data["registered_model"])

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        """Search models (see :meth:`RegistryStore.search_registered_models`)."""
        data = self._client.get(
            "/registry/models/search",
            {
                "filter": filter_string,
                "max_results": int_query(max_results, "max_results"),
                "order_by": list(order_by) if order_by else None,
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "registered_models", codec.registered_model_from_json)

    def rename_registered_model(
        self, name: str, new_name: str, *, actor: str | None = None
    ) -> RegisteredModel:
        """Rename a model; its versions, tags and aliases follow."""
        body = {"name": name, "new_name": new_name, "actor": actor}
        return self._model("/registry/models/rename", body)

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Replace the description (``None`` clears it)."""
        return self._model("/registry/models/update", {"name": name, "description": description})

    def delete_registered_model(self, name: str, *, actor: str | None = None) -> None:
        """Delete a model with its versions, tags and aliases; its events stay."""
        self._client.post("/registry/models/delete", {"name": name, "actor": actor})

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or overwrite) one model tag."""
        self._client.post("/registry/models/set-tag", {"name": name, "key": key, "value": value})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove one model tag; a tag that is not set is no error."""
        self._client.post("/registry/models/delete-tag", {"name": name, "key": key})

    def set_alias(self, name: str, alias: str, version: int, *, actor: str | None = None) -> None:
        """Point ``alias`` at ``version``, creating or moving it atomically."""
        body = {"name": name, "alias": alias, "version": version, "actor": actor}
        self._client.post("/registry/aliases/set", body)

    def delete_alias(self, name: str, alias: str, *, actor: str | None = None) -> None:
        """Remove an alias."""
        self._client.post(
            "/registry/aliases/delete", {"name": name, "alias": alias, "actor": actor}
        )

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version ``alias`` points at."""
        data = self._client.get("/registry/aliases/get", {"name": name, "alias": alias})
        return codec.model_version_from_json(data["model_version"])
