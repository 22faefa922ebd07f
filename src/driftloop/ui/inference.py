"""What the loop's pages read from a deployment's inference log (Parquet).

See :mod:`driftloop.monitoring.inference_log` for its layout. The server does not serve
models, so it knows the log's root only by convention: the ``inference_log`` entry of the
server's ``extra`` settings when given, else
``<artifacts destination>/inference-log``, where ``driftloop serve`` writes it for a local
tracking store (and where the quickstart leaves it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.errors import DriftloopError
from driftloop.monitoring.inference_log import read_failures, read_inference_log
from driftloop.server.config import ServerConfig
from driftloop.ui.traffic import TrafficWindow, traffic_windows

LOG_ERRORS = (DriftloopError, OSError, pa.ArrowException)
"""What reading a log can raise: a bad name or URI, a missing or unreadable (corrupt) file.
The pages show it as a message, never as an error page."""
TRAFFIC_ROWS = 50_000
"""The newest this many prediction rows are summarized on the deployment page."""
ANSWERED = ("champion", "challenger")
"""Routes whose requests were answered to the caller (``shadow`` rows are copies)."""


@dataclass(frozen=True, slots=True)
class RouteTotal:
    """Rows and requests of one route and model version among the rows read."""

    route: str
    version: int
    rows: int
    requests: int
    failures: int


@dataclass(frozen=True, slots=True)
class Traffic:
    """The deployment's recent traffic: windows newest first, totals by route and version."""

    root: str
    windows: list[TrafficWindow]
    totals: list[RouteTotal]
    rows_read: int
    truncated: bool
    """True when the log holds more rows than were read (older ones are not shown)."""


def inference_log_root(config: ServerConfig) -> str:
    """Where the server looks for deployments' inference logs (``--inference-log``)."""
    return config.inference_log_root()


def read_traffic(config: ServerConfig, deployment: str, *, count: int = 12) -> Traffic:
    """The newest rows of ``deployment``'s log, and its failures since, as traffic windows."""
    root = inference_log_root(config)
    table = read_inference_log(root, deployment, last_rows=TRAFFIC_ROWS)
    start = _first_ms(table)
    failures = read_failures(root, deployment, start=start) if start is not None else None
    if failures is None:
        failures = read_failures(root, deployment)
    failures = failures.filter(pc.is_in(failures.column("route"), value_set=pa.array(ANSWERED)))
    answered = table.filter(pc.is_in(table.column("route"), value_set=pa.array(ANSWERED)))
    request_ms, latency = _requests(answered)
    windows = traffic_windows(
        request_ms,
        latency,
        _ms(failures.column("timestamp")),
        _ms(table.column("timestamp")),
        table.column("label").is_valid().to_numpy(zero_copy_only=False).astype(bool),
        count=count,
    )
    return Traffic(root, windows, _totals(table, failures), table.num_rows, _more(table))


def _requests(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Time and latency of each request (its first row), from rows in time order."""
    if table.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    ids = table.column("request_id").to_numpy(zero_copy_only=False)
    _, first = np.unique(ids, return_index=True)
    first.sort()
    stamps = _ms(table.column("timestamp"))[first]
    latency = table.column("latency_ms").to_numpy(zero_copy_only=False).astype(np.float64)
    return stamps, latency[first]


def _totals(table: pa.Table, failures: pa.Table) -> list[RouteTotal]:
    keys: dict[tuple[str, int], list[int]] = {}
    if table.num_rows:
        grouped = table.group_by(["route", "model_version"], use_threads=False).aggregate(
            [("request_id", "count"), ("request_id", "count_distinct")]
        )
        for row in grouped.to_pylist():
            keys[(row["route"], int(row["model_version"]))] = [
                int(row["request_id_count"]),
                int(row["request_id_count_distinct"]),
                0,
            ]
    if failures.num_rows:
        grouped = failures.group_by(["route", "model_version"], use_threads=False).aggregate(
            [("request_id", "count")]
        )
        for row in grouped.to_pylist():
            entry = keys.setdefault((row["route"], int(row["model_version"])), [0, 0, 0])
            entry[2] = int(row["request_id_count"])
    return [
        RouteTotal(route, version, *values) for (route, version), values in sorted(keys.items())
    ]


def _ms(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _first_ms(table: pa.Table) -> int | None:
    if table.num_rows == 0:
        return None
    return int(pc.min(table.column("timestamp").cast(pa.int64())).as_py())


def _more(table: pa.Table) -> bool:
    return bool(table.num_rows >= TRAFFIC_ROWS)
