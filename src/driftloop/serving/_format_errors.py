"""The errors a malformed scoring request raises: all 4xx, all naming the field."""

from __future__ import annotations

from driftloop.errors import DriftloopError, InvalidParameterError


class InvalidRequestError(InvalidParameterError):
    """The request body is not a valid scoring request; ``field`` names the part at fault.

    Raised for a body that is not JSON, not a JSON object, has none or several of the input
    keys, malformed ``dataframe_split``/``dataframe_records``/``instances``/``inputs`` data, no
    rows, or an unparseable CSV document.
    """

    code = "BAD_REQUEST"


class UnsupportedContentTypeError(InvalidParameterError):
    """The ``Content-Type`` is neither ``application/json`` nor ``text/csv`` (in UTF-8)."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class RequestTooLargeError(InvalidParameterError):
    """The request body is larger than the server's limit."""

    code = "REQUEST_TOO_LARGE"
    http_status = 413


class PredictionCountError(DriftloopError):
    """The model returned a different number of predictions than it was given rows.

    A fault of the model, not of the request: the server answers 500.
    """

    code = "INVALID_PREDICTIONS"
