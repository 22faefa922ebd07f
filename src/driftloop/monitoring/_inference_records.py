"""The records the inference log takes and the writer's counters (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftloop.errors import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

#: The routes a scored request can take through a deployment.
ROUTES = frozenset({"champion", "challenger", "shadow"})


@dataclass(frozen=True, slots=True)
class ScoredRequest:
    """One scored request: its rows, what the model answered and how long it took.

    Attributes:
        request_id: The request's id (a UUIDv7 from ``new_request_id`` is expected).
        timestamp_ms: When it was scored, Unix milliseconds (UTC); picks the date partition.
        model_name: Registered model name that scored it.
        model_version: Model version that scored it.
        route: ``"champion"``, ``"challenger"`` or ``"shadow"``.
        features: The request's rows as parsed from the caller's payload.
        predictions: One per row: a scalar (int, float, str, bool) or a list.
        probabilities: One list of class probabilities per row, or None.
        latency_ms: Scoring latency in milliseconds.
    """

    request_id: str
    timestamp_ms: int
    model_name: str
    model_version: int
    route: str
    features: pd.DataFrame
    predictions: Sequence[object]
    probabilities: Sequence[Sequence[float]] | None
    latency_ms: float

    def check(self) -> int:
        """Return the row count after the cheap consistency checks ``submit`` makes.

        Raises:
            InvalidParameterError: A route outside :data:`ROUTES`, or predictions or
                probabilities whose length is not the number of feature rows.
        """
        rows = len(self.features)
        if self.route not in ROUTES:
            raise InvalidParameterError(
                f"route must be one of {sorted(ROUTES)}, not {self.route!r}", field="route"
            )
        if len(self.predictions) != rows:
            raise InvalidParameterError(
                f"{len(self.predictions)} predictions for {rows} feature rows",
                field="predictions",
            )
        if self.probabilities is not None and len(self.probabilities) != rows:
            raise InvalidParameterError(
                f"{len(self.probabilities)} probability lists for {rows} feature rows",
                field="probabilities",
            )
        return rows


@dataclass(frozen=True, slots=True)
class FailedRequest:
    """One request a model version did not answer: who failed it, when, and with what.

    No payload is kept: the record says which version failed, not what it was sent.

    Attributes:
        request_id: The request's id.
        timestamp_ms: When the request was received, Unix milliseconds (UTC).
        model_name: Registered model name that was asked.
        model_version: Model version that failed.
        route: ``"champion"``, ``"challenger"`` or ``"shadow"`` (a copy the challenger
            failed; the caller was answered by the champion).
        error_type: The exception's class name (e.g. ``"ValueError"``).
        error_code: The stable error code the caller got (``"INTERNAL_ERROR"`` for an
            exception that is not a :class:`~driftloop.errors.DriftloopError`), or would
            have got for a shadow copy.
        status: The HTTP status that goes with it: 5xx when the model failed, 4xx when it
            refused the input (e.g. ``SIGNATURE_MISMATCH``).
        latency_ms: From routing to the failure, in milliseconds.
    """

    request_id: str
    timestamp_ms: int
    model_name: str
    model_version: int
    route: str
    error_type: str
    error_code: str
    status: int
    latency_ms: float

    def check(self) -> None:
        """The cheap checks ``submit_failure`` makes.

        Raises:
            InvalidParameterError: A route outside :data:`ROUTES`, or a status that is not
                an HTTP error status (400-599).
        """
        if self.route not in ROUTES:
            raise InvalidParameterError(
                f"route must be one of {sorted(ROUTES)}, not {self.route!r}", field="route"
            )
        if isinstance(self.status, bool) or not 400 <= self.status <= 599:
            raise InvalidParameterError(
                f"status must be an HTTP error status (400-599), not {self.status!r}",
                field="status",
            )


@dataclass(frozen=True, slots=True)
class FeedbackLabel:
    """The ground truth for one scored row, usually known long after the prediction.

    Attributes:
        request_id: The id of the scored request.
        label: The true value (bool, int, float or str).
        row_index: Which row of the request (0 for single-row requests).
        timestamp_ms: When the label was given, Unix ms; 0 means "now" (set by the writer).
    """

    request_id: str
    label: object
    row_index: int = 0
    timestamp_ms: int = 0


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters of an :class:`InferenceLogWriter` (rows: scored rows, failures or labels).

    Attributes:
        queued_rows: Rows accepted and not yet written (the bounded queue's fill).
        written_rows: Rows written to storage.
        dropped_rows: Rows refused because the queue was full, or lost to failed writes.
        written_files: Parquet files written.
        failed_writes: Batches that could not be written after one retry.
        last_error: The last storage error (type and file, no credentials), or None.
    """

    queued_rows: int
    written_rows: int
    dropped_rows: int
    written_files: int
    failed_writes: int
    last_error: str | None
