"""``LoggedModelStore`` over the native REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import LoggedModel, LoggedModelStatus, Page
from driftloop.server.api_v1 import codec
from driftloop.store.base import LOGGED_MODEL_MAX_RESULTS_DEFAULT, LoggedModelStore
from driftloop.store.rest.client import RestClient, int_query


class RestLoggedModelStore(LoggedModelStore):
    """Logged models (MLflow 3) on a driftloop server (``/api/v1/logged-models``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def _model(self, path: str, body: Mapping[str, object]) -> LoggedModel:
        return codec.logged_model_from_json(self._client.post(path, body)["logged_model"])

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoggedModel:
        """Create a ``PENDING`` model (see :meth:`LoggedModelStore.create_logged_model`)."""
        body = {
            "experiment_id": experiment_id,
            "name": name,
            "model_type": model_type,
            "source_run_id": source_run_id,
            "params": None if params is None else dict(params),
            "tags": None if tags is None else dict(tags),
        }
        return self._model("/logged-models/create", body)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return the model; raises ``NotFoundError`` (also when deleted)."""
        data = self._client.get("/logged-models/get", {"model_id": model_id})
        return codec.logged_model_from_json(data["logged_model"])

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        """Set the upload status (``READY`` or ``UPLOAD_FAILED``) and return the model."""
        return self._model("/logged-models/finalize", {"model_id": model_id, "status": status})

    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete the model."""
        self._client.post("/logged-models/delete", {"model_id": model_id})

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        """Set (or overwrite) tags."""
        self._client.post("/logged-models/set-tags", {"model_id": model_id, "tags": dict(tags)})

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove one tag; raises ``NotFoundError`` when it is not set."""
        self._client.post("/logged-models/delete-tag", {"model_id": model_id, "key": key})

    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> None:
        """Record params; a param logged again with another value raises ParamOverwriteError."""
        body = {"model_id": model_id, "params": dict(params)}
        self._client.post("/logged-models/log-params", body)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        max_results: int = LOGGED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[tuple[str, bool]] | None = None,
        page_token: str | None = None,
    ) -> Page[LoggedModel]:
        """Search active models of the experiments (see the ABC for the grammar)."""
        order = [f"{field} {'ASC' if ascending else 'DESC'}" for field, ascending in order_by or ()]
        data = self._client.get(
            "/logged-models/search",
            {
                "experiment_ids": [str(e) for e in experiment_ids],
                "filter": filter_string,
                "max_results": int_query(max_results, "max_results"),
                "order_by": order or None,
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "logged_models", codec.logged_model_from_json)
