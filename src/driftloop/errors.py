"""The one error hierarchy of driftloop.

Every error a user or an HTTP client can see is a :class:`DriftloopError` subclass with a
stable ``code`` (MLflow's error-code names where MLflow has one) and the ``http_status`` the
server answers with. Callers catch classes; the HTTP layer maps them in one table. Messages name
the offending field and never carry driver text (infrastructure errors are chained, not quoted).
"""

from __future__ import annotations

from typing import ClassVar


class DriftloopError(Exception):
    """Base of every error driftloop raises on purpose.

    Attributes:
        code: Stable, machine-readable error code (e.g. ``INVALID_PARAMETER_VALUE``).
        http_status: Status code the server answers with.
        field: The request field or argument the error is about, when there is one.
    """

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        """The JSON error body, in MLflow's ``{"error_code", "message"}`` shape."""
        body = {"error_code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidParameterError(DriftloopError):
    """An argument or request field has a value driftloop cannot accept."""

    code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class InvalidFilterError(InvalidParameterError):
    """A search filter or ``order_by`` clause does not parse; the message quotes the clause."""


class InvalidPageTokenError(InvalidParameterError):
    """A page token was not produced by this store or was altered."""


class BatchLimitError(InvalidParameterError):
    """A ``log_batch`` call exceeds MLflow's per-call limits."""


class ParamOverwriteError(InvalidParameterError):
    """A param that is already logged was logged again with a different value."""


class RunNotActiveError(InvalidParameterError):
    """Data was logged to a run that is deleted."""


class ArtifactPathError(InvalidParameterError):
    """An artifact path tries to leave its root or is otherwise unsafe."""


class UnsupportedUriError(InvalidParameterError):
    """A tracking or artifact URI names a scheme driftloop does not serve."""


class SignatureError(InvalidParameterError):
    """Model input does not match the model's signature; ``field`` names the column.

    Raised for a missing column, a type that cannot be cast safely, and a wrong shape.
    """

    code = "SIGNATURE_MISMATCH"


class ModelFormatError(InvalidParameterError):
    """A model directory is unreadable: no or bad manifest, unknown flavor, corrupt file."""

    code = "INVALID_MODEL"


class ProfileError(InvalidParameterError):
    """Data cannot be profiled (e.g. a column mixes numbers and strings); names the column."""


class UntrustedModelError(DriftloopError):
    """Loading would unpickle or run code from the model; the caller did not mark it trusted.

    The message says what would run and how to opt in (``trusted=True`` / ``--trusted``).
    """

    code = "UNTRUSTED_MODEL"
    http_status = 400


class MetricFlushError(DriftloopError):
    """Metric points logged in the background could not be written; the cause is chained."""

    code = "METRIC_FLUSH_FAILED"


class NotFoundError(DriftloopError):
    """The addressed resource does not exist."""

    code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class ExperimentNotFoundError(NotFoundError):
    """No experiment has this id or name."""


class RunNotFoundError(NotFoundError):
    """No run has this id."""


class ArtifactNotFoundError(NotFoundError):
    """No artifact exists at this path."""


class RegisteredModelNotFoundError(NotFoundError):
    """No registered model has this name."""


class ModelVersionNotFoundError(NotFoundError):
    """The registered model has no such version."""


class AliasNotFoundError(NotFoundError):
    """The registered model has no such alias."""


class DeploymentNotFoundError(NotFoundError):
    """No deployment has this name."""


class AlreadyExistsError(DriftloopError):
    """A resource with this unique name already exists (MLflow answers 400 here)."""

    code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class ConflictError(DriftloopError):
    """The request conflicts with the current state of the resource."""

    code = "RESOURCE_CONFLICT"
    http_status = 409


class StoreUnavailableError(DriftloopError):
    """The backing database or object store cannot be reached right now; retrying may help."""

    code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class NotReadyError(DriftloopError):
    """The service has nothing to answer with yet (e.g. no model loaded); retry later."""

    code = "NOT_READY"
    http_status = 503


class SchemaOutOfDateError(DriftloopError):
    """The database schema is older than this driftloop; run ``driftloop db upgrade``."""

    code = "SCHEMA_OUT_OF_DATE"
    http_status = 503


class MissingDependencyError(DriftloopError, ImportError):
    """An optional dependency is not installed; the message carries the ``pip install`` line."""

    code = "MISSING_DEPENDENCY"
    http_status = 501

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package!r} is not installed; install it with: pip install 'driftloop[{extra}]'",
        )
        self.package = package
        self.extra = extra


class DriftloopWarning(UserWarning):
    """Base of the warnings driftloop issues on purpose."""


class ExtraColumnsWarning(DriftloopWarning):
    """Model input had columns the signature does not name; they were dropped."""


class FormatVersionWarning(DriftloopWarning):
    """A serialized file (manifest, profile, report) was written by another format version."""
