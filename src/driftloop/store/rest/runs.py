"""``RunStore`` over the native REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import (
    DatasetInput,
    Metric,
    Page,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from driftloop.server.api_v1 import codec
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, RunStore
from driftloop.store.rest.client import RestClient, int_query


class RestRunStore(RunStore):
    """Runs, their metrics, params, tags and inputs on a driftloop server (``/api/v1/runs``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def create_run(
        self,
        experiment_id: str,
        user_id: str = "",
        start_time: int | None = None,
        tags: Mapping[str, str] | None = None,
        run_name: str | None = None,
        parent_run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run (see :meth:`RunStore.create_run`)."""
        body = {
            "experiment_id": experiment_id,
            "user_id": user_id,
            "start_time": start_time,
            "tags": None if tags is None else dict(tags),
            "run_name": run_name,
            "parent_run_id": parent_run_id,
        }
        return codec.run_from_json(self._client.post("/runs/create", body)["run"])

    def get_run(self, run_id: str) -> Run:
        """Return the run with its latest metrics, params, tags and inputs."""
        return codec.run_from_json(self._client.get("/runs/get", {"run_id": run_id})["run"])

    def update_run_info(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Update status, end time and/or name; ``None`` leaves a field unchanged."""
        body = {
            "run_id": run_id,
            "status": None if status is None else str(status),
            "end_time": end_time,
            "run_name": run_name,
        }
        return codec.run_info_from_json(self._client.post("/runs/update", body)["run_info"])

    def delete_run(self, run_id: str) -> None:
        """Soft-delete the run."""
        self._client.post("/runs/delete", {"run_id": run_id})

    def restore_run(self, run_id: str) -> None:
        """Undo a soft delete."""
        self._client.post("/runs/restore", {"run_id": run_id})

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log metrics, params and tags in one transaction (all or nothing)."""
        body = {
            "run_id": run_id,
            "metrics": [codec.metric_to_json(m) for m in metrics],
            "params": [{"key": p.key, "value": p.value} for p in params],
            "tags": [{"key": t.key, "value": t.value} for t in tags],
        }
        self._client.post("/runs/log-batch", body)

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag; raises ``NotFoundError`` if it is not set."""
        self._client.post("/runs/delete-tag", {"run_id": run_id, "key": key})

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        """Record datasets the run used; the same (name, digest) is stored once."""
        body = {"run_id": run_id, "datasets": [codec.dataset_input_to_json(d) for d in datasets]}
        self._client.post("/runs/log-inputs", body)

    def get_metric_history(
        self,
        run_id: str,
        key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Metric]:
        """Return the metric's points ordered by (step, timestamp); all of them by default."""
        data = self._client.get(
            "/metrics/get-history",
            {
                "run_id": run_id,
                "key": key,
                "max_results": int_query(max_results, "max_results"),
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "metrics", codec.metric_from_json)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        """Search runs with MLflow's filter grammar (see :meth:`RunStore.search_runs`)."""
        data = self._client.get(
            "/runs/search",
            {
                "experiment_ids": [str(e) for e in experiment_ids],
                "filter": filter_string or None,
                "view_type": str(view_type),
                "max_results": int_query(max_results, "max_results"),
                "order_by": list(order_by) if order_by else None,
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "runs", codec.run_from_json)
