"""Request and response formats of the scoring server.

``POST /invocations`` takes MLflow's scoring protocol as ``mlflow models serve`` does, so
MLflow callers switch without changes: a JSON object with exactly one of
``dataframe_split``, ``dataframe_records``, ``instances`` or ``inputs`` (plus optional
``params``), a CSV document (``text/csv``) or a Parquet file
(``application/vnd.apache.parquet``); the answer is ``{"predictions": ...}`` in MLflow's
shape. ``POST /v1/predict`` takes the same JSON input keys plus an optional ``routing_key``
and answers per row, with the request id, model version and route.

Two differences from MLflow, both on purpose: non-finite numbers in predictions are written
as ``null`` (MLflow writes bare ``NaN``, which strict JSON parsers reject), and a missing or
unknown content type is a 415 rather than a 500. MLflow's unified LLM payloads (``messages``,
``prompt``) are not accepted.

Every malformed request raises a :class:`~driftloop.errors.DriftloopError` subclass with a
4xx status and the field at fault.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.serving._format_errors import (
    InvalidRequestError,
    PredictionCountError,
    RequestTooLargeError,
    UnsupportedContentTypeError,
)
from driftloop.serving._format_input import InputKind, ModelInput, combine_inputs
from driftloop.serving._format_output import (
    encode_json,
    jsonable,
    prediction_rows,
    probability_rows,
    split_predictions,
)
from driftloop.serving._format_parse import INPUT_KEYS, PARAMS, parse_input_document

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "InputKind",
    "InvalidRequestError",
    "ModelInput",
    "PredictRequest",
    "PredictionCountError",
    "RequestTooLargeError",
    "UnsupportedContentTypeError",
    "combine_inputs",
    "encode_invocations_response",
    "encode_predict_response",
    "parse_invocations_request",
    "parse_predict_request",
    "split_predictions",
]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
CONTENT_TYPE_JSON = "application/json"
CONTENT_TYPE_CSV = "text/csv"
CONTENT_TYPE_PARQUET = "application/vnd.apache.parquet"
ROUTING_KEY = "routing_key"
_PREDICT_KEYS = frozenset({*INPUT_KEYS, PARAMS, ROUTING_KEY})


@dataclass(frozen=True, slots=True)
class PredictRequest:
    """A parsed ``POST /v1/predict`` body.

    Attributes:
        input: The rows to score.
        routing_key: The caller's key for the canary split (None: use the request id).
    """

    input: ModelInput
    routing_key: str | None


def parse_invocations_request(
    body: bytes, content_type: str | None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> ModelInput:
    """Parse a ``POST /invocations`` body as MLflow's scoring server does.

    Args:
        body: The raw request body.
        content_type: The ``Content-Type`` header (``application/json``, ``text/csv`` or
            ``application/vnd.apache.parquet``; only ``charset=utf-8`` may follow).
        max_body_bytes: Larger bodies are refused.

    Raises:
        UnsupportedContentTypeError: A missing or unsupported content type or charset (415).
        RequestTooLargeError: The body exceeds ``max_body_bytes`` (413).
        InvalidRequestError: The body is empty, not valid JSON/CSV/Parquet, has none or
            several input keys, or its data is malformed or has no rows (400).
    """
    mime_type = _mime_type(content_type)
    _check_body(body, max_body_bytes)
    if mime_type == CONTENT_TYPE_JSON:
        return parse_input_document(_json_object(body))
    if mime_type == CONTENT_TYPE_CSV:
        return _frame_input(_read_csv(body))
    return _frame_input(_read_parquet(body))


def parse_predict_request(
    body: bytes, content_type: str | None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> PredictRequest:
    """Parse a ``POST /v1/predict`` body: one input key, optional ``params`` and ``routing_key``.

    Unlike ``/invocations`` (which ignores unknown keys, as MLflow does), unknown keys are
    refused, so a misspelt ``routing_key`` cannot silently change the route.

    Raises:
        UnsupportedContentTypeError: The content type is not JSON (415).
        RequestTooLargeError: The body exceeds ``max_body_bytes`` (413).
        InvalidRequestError: Not a JSON object, unknown keys, a non-string ``routing_key``,
            or input errors as for ``/invocations`` (400).
    """
    if _mime_type(content_type) != CONTENT_TYPE_JSON:
        raise UnsupportedContentTypeError(
            f"/v1/predict takes {CONTENT_TYPE_JSON}, got {content_type!r}", field="content-type"
        )
    _check_body(body, max_body_bytes)
    document = _json_object(body)
    unknown = [key for key in document if key not in _PREDICT_KEYS]
    if unknown:
        raise InvalidRequestError(
            f"unknown request keys {unknown}; expected one of "
            f"{', '.join(map(repr, INPUT_KEYS))}, optional 'params' and 'routing_key'",
            field=unknown[0],
        )
    routing_key = document.get(ROUTING_KEY)
    if routing_key is not None and (not isinstance(routing_key, str) or not routing_key):
        raise InvalidRequestError("routing_key must be a non-empty string", field=ROUTING_KEY)
    return PredictRequest(parse_input_document(document), routing_key)


def encode_invocations_response(predictions: Any) -> bytes:
    """``{"predictions": ...}`` as MLflow's scoring server writes it (NaN as ``null``).

    Raises:
        TypeError: A prediction value has no JSON form.
    """
    return encode_json({"predictions": jsonable(predictions)})


def encode_predict_response(
    *,
    request_id: str,
    model_name: str,
    model_version: int | str,
    route: str,
    predictions: Any,
    probabilities: np.ndarray | None = None,
    classes: Sequence[Any] | None = None,
) -> bytes:
    """The ``/v1/predict`` answer: who answered, and per row the prediction and probabilities.

    ``model_version`` is written as a string (as the registry's REST API does); each row is
    ``{"prediction": value}`` plus ``"probabilities": {class: p}`` when ``probabilities``
    (rows x classes) is given; ``classes`` labels its columns (by position when None).

    Raises:
        PredictionCountError: ``probabilities`` has a different number of rows.
        TypeError: A prediction value has no JSON form.
    """
    rows: list[dict[str, Any]] = [{"prediction": value} for value in prediction_rows(predictions)]
    if probabilities is not None:
        per_row = probability_rows(probabilities, classes)
        if len(per_row) != len(rows):
            raise PredictionCountError(
                f"{len(per_row)} probability rows for {len(rows)} predictions",
                field="probabilities",
            )
        for row, probs in zip(rows, per_row, strict=True):
            row["probabilities"] = probs
    return encode_json(
        {
            "request_id": request_id,
            "model_name": model_name,
            "model_version": str(model_version),
            "route": route,
            "predictions": rows,
        }
    )


def _mime_type(content_type: str | None) -> str:
    if not content_type:
        raise UnsupportedContentTypeError(
            f"a Content-Type header is required ({CONTENT_TYPE_JSON} or {CONTENT_TYPE_CSV})",
            field="content-type",
        )
    mime_type, *parameters = (part.strip() for part in content_type.split(";"))
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            raise UnsupportedContentTypeError(
                f"unrecognized content type parameter {name.strip()!r}", field="content-type"
            )
        if value.strip().strip('"').lower() != "utf-8":
            raise UnsupportedContentTypeError(
                "the scoring server only supports UTF-8", field="content-type"
            )
    mime_type = mime_type.lower()
    if mime_type not in {CONTENT_TYPE_JSON, CONTENT_TYPE_CSV, CONTENT_TYPE_PARQUET}:
        raise UnsupportedContentTypeError(
            f"unsupported content type {content_type!r}; use {CONTENT_TYPE_JSON}, "
            f"{CONTENT_TYPE_CSV} or {CONTENT_TYPE_PARQUET}",
            field="content-type",
        )
    return mime_type


def _check_body(body: bytes, max_body_bytes: int) -> None:
    if len(body) > max_body_bytes:
        raise RequestTooLargeError(
            f"the request body has {len(body)} bytes; the limit is {max_body_bytes}",
            field="body",
        )
    if not body.strip():
        raise InvalidRequestError("the request body is empty", field="body")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidRequestError(
            f"the request body is not valid UTF-8 JSON: {_reason(error)}", field="body"
        ) from error
    if not isinstance(document, dict):
        raise InvalidRequestError(
            "the request must be a JSON object with one of the input keys "
            f"{', '.join(map(repr, INPUT_KEYS))}, got a {type(document).__name__}",
            field="body",
        )
    return document


def _reason(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return f"invalid byte at position {error.start}"
    return "nested too deeply"


def _read_csv(body: bytes) -> pd.DataFrame:
    try:
        return pd.read_csv(io.BytesIO(body), encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InvalidRequestError(
            "the body is not a CSV table as pandas.DataFrame.to_csv() writes it",
            field="body",
        ) from error


def _read_parquet(body: bytes) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(body))
    except (ValueError, OSError) as error:
        raise InvalidRequestError("the body is not a Parquet file", field="body") from error


def _frame_input(frame: pd.DataFrame) -> ModelInput:
    if len(frame) == 0:
        raise InvalidRequestError("the table has no rows", field="body")
    return ModelInput(InputKind.FRAME, len(frame), frame, tuple(frame.columns))
