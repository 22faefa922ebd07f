"""JSON responses in MLflow's conventions: NaN and infinities as strings, ``{}`` when empty."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import Response

from driftloop.errors import DriftloopError


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def encode(data: Any) -> bytes:
    """Strict JSON bytes with non-finite floats spelled as MLflow does."""
    return json.dumps(_clean(data), allow_nan=False, separators=(",", ":")).encode()


def json_response(data: Any, status_code: int = 200) -> Response:
    """A JSON response (``{}`` for an empty message)."""
    return Response(encode(data), status_code=status_code, media_type="application/json")


def error_response(error: DriftloopError) -> Response:
    """The ``{"error_code", "message"}`` body with the error's status."""
    return json_response(error.to_dict(), error.http_status)
