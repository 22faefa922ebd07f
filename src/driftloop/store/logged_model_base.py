"""Store interface of MLflow 3 logged models."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from driftloop.entities import (
    LoggedModel,
    LoggedModelStatus,
    Page,
)

LOGGED_MODEL_MAX_RESULTS_DEFAULT = 100
LOGGED_MODEL_MAX_RESULTS_LIMIT = 1000


class LoggedModelStore(abc.ABC):
    """Logged models (MLflow 3): create, finalize, read, search, tag, add params, delete."""

    @abc.abstractmethod
    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoggedModel:
        """Create a ``PENDING`` model with id ``m-<32 hex>``.

        Its files go to ``<experiment artifact location>/models/<model_id>/artifacts``; a
        missing name gets a generated one.

        Raises:
            ExperimentNotFoundError: No such experiment.
            InvalidParameterError: The experiment is deleted, or a name, param or tag is
                invalid.
            RunNotFoundError: ``source_run_id`` names no run.
        """

    @abc.abstractmethod
    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return the model; raises ``NotFoundError`` (also when deleted)."""

    @abc.abstractmethod
    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        """Set the upload status (``READY`` or ``UPLOAD_FAILED``) and return the model.

        Raises:
            InvalidParameterError: ``status`` is ``PENDING``.
            NotFoundError: No such model.
        """

    @abc.abstractmethod
    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete the model; it is no longer returned by get or search."""

    @abc.abstractmethod
    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        """Set (or overwrite) tags; raises ``NotFoundError``."""

    @abc.abstractmethod
    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove one tag; raises ``NotFoundError`` when it is not set."""

    @abc.abstractmethod
    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> None:
        """Record params; a param logged again with another value raises ParamOverwriteError."""

    @abc.abstractmethod
    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        max_results: int = LOGGED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[tuple[str, bool]] | None = None,
        page_token: str | None = None,
    ) -> Page[LoggedModel]:
        """Search active models of the experiments.

        ``filter_string`` is ``AND``-joined clauses on ``name``, ``model_id``,
        ``model_type``, ``status``, ``source_run_id`` (``=``, ``!=``, ``LIKE``, ``ILIKE``),
        ``tags.<key>`` and ``params.<key>`` (``=``, ``!=``). ``order_by`` holds
        ``(field, ascending)`` pairs over ``name``, ``creation_timestamp`` (alias
        ``creation_time``) and ``last_updated_timestamp``; default newest first.

        Raises:
            InvalidFilterError: The filter or an order field is not supported.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..1000).
        """
