"""What ``driftloop serve`` runs: the target, the tracking store, batching and logging knobs."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from driftloop.errors import InvalidParameterError

CONFIG_ENV = "DRIFTLOOP_SERVE_CONFIG"
"""The environment variable through which ``driftloop serve`` hands its config to workers."""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """The scoring server's configuration.

    Attributes:
        target: A deployment name, or a ``models:/name@alias`` / ``models:/name/<version>`` URI
            for an ad-hoc single-model server.
        tracking_uri: Where the registry is (a folder, a database URI or ``http://`` server);
            None uses the current tracking URI.
        inference_log_uri: Root of the inference log (a folder, ``file://`` or ``s3://``);
            None disables logging.
        host: Interface to bind.
        port: Port to bind (0 picks a free one, for tests).
        workers: uvicorn worker processes.
        max_batch_size: Most rows scored in one model call (1 disables micro-batching).
        max_wait_ms: Longest a request waits for others to join its batch.
        poll_seconds: How often the deployment and its aliases are re-read for hot swap.
        log_flush_rows: Inference-log rows buffered before a file is written.
        log_flush_seconds: Longest a logged row waits before its file is written.
        log_max_queue_rows: Rows the inference-log queue holds before it drops.
        log_block_seconds: How long a request waits for queue space before its record is
            dropped (and counted).
        max_body_bytes: Largest request body accepted.
        trusted: Allow model formats that can run code when loaded (pickle).
        shadow_max_in_flight: Shadow scorings allowed to queue before new copies are dropped.
        model_threads: Native threads (OpenMP/BLAS) one model call may use. 1 by default:
            small requests score several times faster without thread start-up and spinning,
            and throughput scales with ``workers``; raise it for large batch requests.
    """

    target: str
    tracking_uri: str | None = None
    inference_log_uri: str | None = None
    host: str = "127.0.0.1"
    port: int = 5001
    workers: int = 1
    max_batch_size: int = 64
    max_wait_ms: float = 2.0
    poll_seconds: float = 1.0
    log_flush_rows: int = 10_000
    log_flush_seconds: float = 5.0
    log_max_queue_rows: int = 200_000
    log_block_seconds: float = 0.05
    max_body_bytes: int = 32 * 1024 * 1024
    trusted: bool = False
    shadow_max_in_flight: int = 1_000
    model_threads: int = 1

    def check(self) -> None:
        """Validate the values a user can set.

        Raises:
            InvalidParameterError: A value is out of range (``field`` names it).
        """
        if not self.target.strip():
            raise InvalidParameterError("target must not be empty", field="target")
        positive_ints = {
            "workers": self.workers,
            "max_batch_size": self.max_batch_size,
            "log_flush_rows": self.log_flush_rows,
            "log_max_queue_rows": self.log_max_queue_rows,
            "max_body_bytes": self.max_body_bytes,
            "shadow_max_in_flight": self.shadow_max_in_flight,
            "model_threads": self.model_threads,
        }
        for name, value in positive_ints.items():
            if value < 1:
                raise InvalidParameterError(f"{name} must be at least 1, got {value}", field=name)
        non_negative = {
            "max_wait_ms": self.max_wait_ms,
            "log_block_seconds": self.log_block_seconds,
        }
        for name, number in non_negative.items():
            if not number >= 0:
                raise InvalidParameterError(f"{name} must be >= 0, got {number}", field=name)
        for name, number in {
            "poll_seconds": self.poll_seconds,
            "log_flush_seconds": self.log_flush_seconds,
        }.items():
            if not number > 0:
                raise InvalidParameterError(f"{name} must be > 0, got {number}", field=name)
        if not 0 <= self.port <= 65535:
            raise InvalidParameterError(f"port must be 0..65535, got {self.port}", field="port")

    def to_json(self) -> str:
        """The config as JSON, for :data:`CONFIG_ENV`."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_environment(cls) -> ServeConfig:
        """Read the config ``driftloop serve`` put in :data:`CONFIG_ENV`.

        Raises:
            InvalidParameterError: The variable is missing or not a config.
        """
        text = os.environ.get(CONFIG_ENV)
        if not text:
            raise InvalidParameterError(f"${CONFIG_ENV} is not set", field=CONFIG_ENV)
        data = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
