"""The deployment page's traffic figures over recent time windows (pure, numpy).

Requests (one per request id; shadow copies are not requests), failed requests, the latency
of answered requests (p50, p99) and the inference log's volume (rows, and the share of rows
that have a feedback label), per window of a "round" width (1 s, 5 s ... 1 day) chosen so
that the span of the data fits in at most ``count`` windows. The last window ends just after
the newest record.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WIDTHS_MS = (
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    900_000,
    3_600_000,
    21_600_000,
    86_400_000,
)
"""Window widths to choose from, smallest first."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class TrafficWindow:
    """What one time window of the inference log shows.

    Attributes:
        start_ms: Inclusive start.
        end_ms: Exclusive end.
        requests: Answered requests (champion and challenger routes).
        failures: Requests a model version failed to answer (not shadow copies).
        rate_per_s: ``(requests + failures) / width`` in requests per second.
        error_rate: ``failures / (requests + failures)``, None without any request.
        p50_ms: Median latency of the answered requests, None without any.
        p99_ms: 99th percentile of it.
        rows: Logged prediction rows (shadow rows included): the log's volume.
        labelled_share: Share of ``rows`` with a feedback label, None without rows.
    """

    start_ms: int
    end_ms: int
    requests: int
    failures: int
    rate_per_s: float
    error_rate: float | None
    p50_ms: float | None
    p99_ms: float | None
    rows: int
    labelled_share: float | None


def window_width(span_ms: int, count: int) -> int:
    """The smallest round width that covers ``span_ms`` in at most ``count`` windows.

    >>> window_width(50_000, 12), window_width(0, 12), window_width(10**12, 12)
    (5000, 1000, 86400000)
    """
    for width in WIDTHS_MS:
        if span_ms <= width * count:
            return width
    return WIDTHS_MS[-1]


def traffic_windows(
    request_ms: Ints,
    request_latency_ms: Floats,
    failure_ms: Ints,
    row_ms: Ints,
    row_labelled: Bools,
    *,
    count: int = 12,
) -> list[TrafficWindow]:
    """The windows (newest first) covering the newest records, at most ``count`` of them.

    Args:
        request_ms: Time of each answered request (one per request id).
        request_latency_ms: Its latency.
        failure_ms: Time of each failed request.
        row_ms: Time of each logged prediction row.
        row_labelled: Whether each row has a label.
        count: How many windows at most.

    >>> ms = np.array([0, 1500, 2500], dtype=np.int64)
    >>> w = traffic_windows(ms, np.array([1.0, 2.0, 3.0]), ms[:0], ms, np.array([1, 0, 0], bool))
    >>> [(x.start_ms, x.requests, x.rows) for x in w]
    [(2000, 1, 1), (1000, 1, 1), (0, 1, 1)]
    """
    stamps = [a for a in (request_ms, failure_ms, row_ms) if a.size]
    if not stamps:
        return []
    first = int(min(int(a.min()) for a in stamps))
    last = int(max(int(a.max()) for a in stamps))
    width = window_width(last - first + 1, count)
    end = (last // width + 1) * width
    start = max(end - width * count, (first // width) * width)
    edges = np.arange(start, end + 1, width, dtype=np.int64)
    windows = []
    for low, high in itertools.pairwise(edges):
        in_requests = (request_ms >= low) & (request_ms < high)
        latencies = request_latency_ms[in_requests]
        requests = int(in_requests.sum())
        failures = int(((failure_ms >= low) & (failure_ms < high)).sum())
        in_rows = (row_ms >= low) & (row_ms < high)
        rows = int(in_rows.sum())
        total = requests + failures
        windows.append(
            TrafficWindow(
                start_ms=int(low),
                end_ms=int(high),
                requests=requests,
                failures=failures,
                rate_per_s=total / (width / 1000),
                error_rate=failures / total if total else None,
                p50_ms=float(np.percentile(latencies, 50)) if latencies.size else None,
                p99_ms=float(np.percentile(latencies, 99)) if latencies.size else None,
                rows=rows,
                labelled_share=float(row_labelled[in_rows].mean()) if rows else None,
            )
        )
    return windows[::-1]
