"""Error responses of the native API back to driftloop error classes, in one table.

The server answers ``{"error_code", "message", "field", "error_type"}``; ``error_type`` names
the class the store raised. A known class name is re-raised as that class; otherwise the
``error_code`` and status pick the closest base class, so callers always catch what a local
store would have raised.
"""

from __future__ import annotations

from typing import Any

from driftloop import errors as e

#: The classes the REST store re-raises by name (``error_type``).
ERROR_CLASSES: dict[str, type[e.DriftloopError]] = {
    cls.__name__: cls
    for cls in (
        e.InvalidParameterError,
        e.InvalidFilterError,
        e.InvalidPageTokenError,
        e.BatchLimitError,
        e.ParamOverwriteError,
        e.RunNotActiveError,
        e.ArtifactPathError,
        e.UnsupportedUriError,
        e.SignatureError,
        e.ModelFormatError,
        e.ProfileError,
        e.UntrustedModelError,
        e.NotFoundError,
        e.ExperimentNotFoundError,
        e.RunNotFoundError,
        e.ArtifactNotFoundError,
        e.RegisteredModelNotFoundError,
        e.ModelVersionNotFoundError,
        e.AliasNotFoundError,
        e.DeploymentNotFoundError,
        e.AlreadyExistsError,
        e.ConflictError,
        e.StoreUnavailableError,
        e.SchemaOutOfDateError,
    )
}

#: Fallback by ``(error_code, status)`` for bodies without a known ``error_type``.
ERROR_CODES: dict[tuple[str, int], type[e.DriftloopError]] = {
    ("INVALID_PARAMETER_VALUE", 400): e.InvalidParameterError,
    ("MALFORMED_REQUEST", 400): e.InvalidParameterError,
    ("REQUEST_TOO_LARGE", 413): e.InvalidParameterError,
    ("SIGNATURE_MISMATCH", 400): e.SignatureError,
    ("INVALID_MODEL", 400): e.ModelFormatError,
    ("UNTRUSTED_MODEL", 400): e.UntrustedModelError,
    ("RESOURCE_DOES_NOT_EXIST", 404): e.NotFoundError,
    ("RESOURCE_ALREADY_EXISTS", 400): e.AlreadyExistsError,
    ("RESOURCE_CONFLICT", 409): e.ConflictError,
    ("TEMPORARILY_UNAVAILABLE", 503): e.StoreUnavailableError,
    ("SCHEMA_OUT_OF_DATE", 503): e.SchemaOutOfDateError,
}


class RemoteError(e.DriftloopError):
    """The server answered an error driftloop has no class for (auth, proxies, 5xx).

    Attributes:
        status: The HTTP status.
        error_code: The server's ``error_code`` (``"UNKNOWN"`` for a non-JSON body).
    """

    def __init__(
        self, message: str, *, status: int, error_code: str, field: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.status = status
        self.error_code = error_code


def error_from_response(status: int, body: Any, fallback_text: str) -> e.DriftloopError:
    """The driftloop error for an error response (``body`` is its JSON, or None)."""
    if not isinstance(body, dict):
        return RemoteError(
            f"server answered {status}: {fallback_text[:200]}", status=status, error_code="UNKNOWN"
        )
    code = str(body.get("error_code", "UNKNOWN"))
    message = str(body.get("message", f"server answered {status}"))
    field = body.get("field")
    field = field if isinstance(field, str) else None
    cls = ERROR_CLASSES.get(str(body.get("error_type"))) or ERROR_CODES.get((code, status))
    if cls is None:
        return RemoteError(message, status=status, error_code=code, field=field)
    return cls(message, field=field)
