"""Server settings, validated once at start-up."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from driftloop.errors import InvalidParameterError

DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024
LOCAL_HOST_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How one server process is set up.

    Attributes:
        backend_store_uri: The tracking/registry database (``sqlite:///...``, ``postgresql://...``
            or a folder).
        artifacts_destination: Root of the artifacts the server stores and proxies (a folder or
            ``s3://bucket/prefix``).
        host: Interface to bind.
        port: Port to bind.
        auth: Require authentication on every route but ``/health`` and ``/version``.
        allowed_hosts: Extra ``Host`` header values to accept (``*`` accepts any); local names
            and the bound host are always accepted.
        allowed_origins: Browser origins allowed to call the API besides the server's own.
        max_json_bytes: Largest JSON request body.
        max_upload_bytes: Largest artifact upload.
        inference_log_uri: Where the scoring servers write deployments' inference logs (the
            web UI's deployment and monitoring pages read them); None means
            ``<artifacts_destination>/inference-log``, where ``driftloop serve`` writes for a
            folder store.
    """

    backend_store_uri: str
    artifacts_destination: str
    host: str = "127.0.0.1"
    port: int = 5000
    auth: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    insecure_no_auth: bool = False
    inference_log_uri: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def inference_log_root(self) -> str:
        """The inference log root: ``inference_log_uri`` or the artifacts' default."""
        if self.inference_log_uri:
            return self.inference_log_uri
        return self.artifacts_destination.rstrip("/") + "/inference-log"

    def check(self) -> None:
        """Refuse an unauthenticated server on a non-loopback interface.

        Raises:
            InvalidParameterError: ``host`` is not loopback, ``auth`` is off and
                ``insecure_no_auth`` was not given.
        """
        if not self.auth and not self.insecure_no_auth and not is_loopback(self.host):
            raise InvalidParameterError(
                f"refusing to serve without authentication on {self.host!r}: pass --auth "
                "(or --insecure-no-auth if something in front of the server authenticates)",
                field="host",
            )

    def host_allowlist(self) -> frozenset[str]:
        """``Host`` header names (without port) the server answers."""
        names = {*LOCAL_HOST_NAMES, *self.allowed_hosts}
        if self.host not in {"0.0.0.0", "::"}:  # noqa: S104 - comparing, not binding
            names.add(self.host)
        return frozenset(name.lower() for name in names)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names the loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
