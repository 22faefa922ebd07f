"""Request parameters: query strings for GET, JSON bodies for everything else (MLflow's rule).

Every accessor validates and raises ``InvalidParameterError`` naming the field, so handlers
never see a missing or mistyped value and the client gets a 400 with the field's name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request

from driftloop.errors import InvalidParameterError

JSON_TYPES = ("application/json",)


class MalformedRequestError(InvalidParameterError):
    """The body is not valid JSON, or not a JSON object."""

    code = "MALFORMED_REQUEST"


class Params:
    """Named request values with typed, validating accessors."""

    def __init__(self, values: Mapping[str, Any], multi: Mapping[str, list[str]] | None = None):
        self._values = values
        self._multi = multi or {}

    @property
    def raw(self) -> Mapping[str, Any]:
        """The values as received."""
        return self._values

    def has(self, name: str) -> bool:
        """Whether ``name`` was given (and is not null)."""
        return self._values.get(name) is not None

    def string(
        self, name: str, *, required: bool = False, default: str | None = None
    ) -> str | None:
        """A string value; numbers are accepted and turned into strings (MLflow's ids)."""
        value = self._values.get(name)
        if value is None or (value == "" and required):
            if required:
                raise InvalidParameterError(
                    f"Missing value for required parameter '{name}'", field=name
                )
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidParameterError(
                f"Invalid value for parameter '{name}': expected a string", field=name
            )
        return value if isinstance(value, str) else _number_text(value)

    def required_str(self, name: str) -> str:
        """A string value that must be present."""
        value = self.string(name, required=True)
        assert value is not None  # noqa: S101 - required
        return value

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        """An integer value (JSON number or decimal string)."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise InvalidParameterError(
                    f"Missing value for required parameter '{name}'", field=name
                )
            return default
        if isinstance(value, bool):
            raise _bad(name, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise _bad(name, "an integer")

    def number(self, name: str, *, required: bool = False) -> float | None:
        """A number; ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` as MLflow sends them."""
        value = self._values.get(name)
        if value is None:
            if required:
                raise InvalidParameterError(
                    f"Missing value for required parameter '{name}'", field=name
                )
            return None
        return parse_float(value, name)

    def boolean(self, name: str, *, default: bool = False) -> bool:
        """``true``/``false`` (query strings) or a JSON boolean."""
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise _bad(name, "true or false")

    def strings(self, name: str) -> list[str]:
        """A repeated field: repeated query keys or a JSON array of strings."""
        if name in self._multi:
            return list(self._multi[name])
        value = self._values.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return [str(v) for v in value]
        raise _bad(name, "a list of strings")

    def objects(self, name: str) -> list[Mapping[str, Any]]:
        """A JSON array of objects (e.g. ``tags: [{key, value}]``)."""
        value = self._values.get(name)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return value
        raise _bad(name, "a list of objects")


def parse_float(value: object, name: str) -> float:
    """A float from a JSON number or MLflow's ``"NaN"``/``"Infinity"`` strings."""
    if isinstance(value, bool):
        raise _bad(name, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        special = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "inf": math.inf}
        lowered = value.strip().lower()
        if lowered in special:
            return special[lowered]
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad(name, "a number")


async def read_params(request: Request, max_bytes: int) -> Params:
    """The request's parameters: the query string for GET, else the JSON body.

    Raises:
        InvalidParameterError: Non-JSON content type on a request with a body.
        MalformedRequestError: The body is not a JSON object.
    """
    if request.method in {"GET", "HEAD"}:
        multi: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            multi.setdefault(key, []).append(value)
        single = {key: values[-1] for key, values in multi.items()}
        return Params(single, {k: v for k, v in multi.items() if len(v) > 1})
    body = await read_limited_body(request, max_bytes)
    if not body.strip():
        return Params(dict(request.query_params))
    require_json(request)
    data = parse_json(body)
    if not isinstance(data, dict):
        raise MalformedRequestError("request body must be a JSON object", field="body")
    return Params(data)


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``.

    orjson parses it (several times faster than the standard library on a 1,000-metric
    batch); a body it refuses is parsed again by the standard library, which also takes what
    MLflow's clients may send and orjson does not (bare ``NaN``/``Infinity`` tokens, integers
    past 64 bits).

    Raises:
        MalformedRequestError: The body is not JSON.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except ValueError as error:
        raise MalformedRequestError("request body is not valid JSON", field="body") from error
    except RecursionError as error:  # orjson stops at 1024 levels, json at the stack's depth
        raise MalformedRequestError("request body nests too deeply", field="body") from error


def require_json(request: Request) -> None:
    """MLflow's CSRF guard: bodies must be ``application/json``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        raise InvalidParameterError(
            "Content-Type must be one of ['application/json']", field="Content-Type"
        )


class BodyTooLargeError(InvalidParameterError):
    """The request body exceeds the server's limit."""

    code = "REQUEST_TOO_LARGE"
    http_status = 413


async def read_limited_body(request: Request, max_bytes: int) -> bytes:
    """The body, refusing more than ``max_bytes`` whatever ``Content-Length`` says."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLargeError(f"request body over {max_bytes} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLargeError(f"request body over {max_bytes} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _bad(name: str, expected: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"Invalid value for parameter '{name}': expected {expected}", field=name
    )


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
