"""JSON responses in MLflow's conventions: NaN and infinities as strings, ``{}`` when empty."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.responses import Response

from driftloop.errors import DriftloopError

# A JSON string literal, or a bare non-finite number token as json.dumps(allow_nan=True) writes it.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_QUOTED = {"NaN": '"NaN"', "Infinity": '"Infinity"', "-Infinity": '"-Infinity"'}


def _quote_non_finite(match: re.Match[str]) -> str:
    token = match.group(1)
    return match.group(0) if token is None else _QUOTED[token]


def encode(data: Any) -> bytes:
    """Compact JSON bytes with non-finite floats spelled as MLflow does (``"NaN"``).

    orjson writes most responses (several times faster than the standard library on a page
    of runs). It spells a non-finite float as ``null``, so a document whose orjson text has
    no ``null`` at all is exact; any other (a None somewhere, a non-finite float, an integer
    orjson cannot hold) goes through the standard encoder, which refuses non-finite floats;
    only a document that has one is encoded again with bare ``NaN``/``Infinity`` tokens and
    gets a second pass, which quotes them and leaves strings alone. Responses are trees built
    by the handlers, never cyclic: the cycle check is skipped.
    """
    try:
        fast = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        fast = None
    if fast is not None and b"null" not in fast:
        return fast
    try:
        text = _FINITE.encode(data)
    except ValueError:
        text = _TOKENS.sub(_quote_non_finite, _NON_FINITE.encode(data))
    return text.encode()


_FINITE = json.JSONEncoder(allow_nan=False, separators=(",", ":"), check_circular=False)
_NON_FINITE = json.JSONEncoder(allow_nan=True, separators=(",", ":"), check_circular=False)


def json_response(data: Any, status_code: int = 200) -> Response:
    """A JSON response (``{}`` for an empty message)."""
    return Response(encode(data), status_code=status_code, media_type="application/json")


def error_response(error: DriftloopError) -> Response:
    """The ``{"error_code", "message"}`` body with the error's status."""
    return json_response(error.to_dict(), error.http_status)
