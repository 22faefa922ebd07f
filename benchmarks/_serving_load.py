"""Closed-loop HTTP load generator for the serving benchmark, the same code for every server.

``C`` workers each send one request, wait for the whole answer, record its latency, and send
the next, back to back, for a warm-up and then a timed window. Each worker holds one
keep-alive HTTP/1.1 connection. The client speaks HTTP/1.1 directly over asyncio streams (a
pre-encoded request, a parsed status line, ``Content-Length`` or chunked body): client and
servers share the machine's cores, so every CPU cycle the client spends is taken from the
server under test. ``httpx.AsyncClient`` spends several times more per request.

The generator runs in one or more spawned processes (``processes``); the workers are split
between them, and they start and stop together on a shared wall-clock schedule. Importing
this module is cheap: the children import nothing else of the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing
import multiprocessing.pool
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

START_DELAY_S = 1.5
"""Wall-clock slack between launching the client processes and the first request."""


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """One load run: where to send, what to send, how hard and for how long.

    Attributes:
        url: The full endpoint URL, e.g. ``http://127.0.0.1:5000/invocations``.
        payloads: Pre-encoded JSON bodies, sent in turn (each worker starts at its own offset).
        concurrency: Closed-loop workers (= connections) in total, over all processes.
        warmup_s: Seconds of load before the timed window (not recorded).
        duration_s: Seconds of the timed window.
        processes: Client processes the workers are split between.
        record_versions: Parse each answer's ``model_version`` (hot-swap runs).
        rows_per_request: Rows in each payload, for rows/s.
    """

    url: str
    payloads: tuple[bytes, ...]
    concurrency: int
    warmup_s: float
    duration_s: float
    processes: int = 1
    record_versions: bool = False
    rows_per_request: int = 1


@dataclass(slots=True)
class LoadResult:
    """What the timed window saw, merged over the client processes.

    Attributes:
        requests: Requests that completed successfully inside the timed window.
        errors: Non-200 answers and failed requests (exceptions) inside the window.
        latencies_ms: Latency of every successful request of the window.
        duration_s: Length of the timed window.
        error_samples: Up to 5 error descriptions, for the report.
        versions: ``(wall-clock time, model_version)`` of every answer, warm-up included
            (only with ``record_versions``).
        warmup_errors: Errors during the warm-up (not in ``errors``).
    """

    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    duration_s: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    versions: list[tuple[float, str]] = field(default_factory=list)
    warmup_errors: int = 0

    def merge(self, other: LoadResult) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.latencies_ms.extend(other.latencies_ms)
        self.duration_s = max(self.duration_s, other.duration_s)
        self.error_samples.extend(other.error_samples[: 5 - len(self.error_samples)])
        self.versions.extend(other.versions)
        self.warmup_errors += other.warmup_errors

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in ms (``nan`` when there are none)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


class HttpError(Exception):
    """A non-200 answer or a malformed one."""


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs pre-encoded JSON bodies."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
        ).encode()

    def encode(self, body: bytes) -> bytes:
        """The whole request for ``body`` (build once, send many times)."""
        return self._head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    async def post(self, request: bytes) -> tuple[int, bytes]:
        """Send an encoded request and read the whole answer: ``(status, body)``."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None  # noqa: S101 - opened together with the writer
        writer.write(request)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length = -1
        chunked = close = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            body = await _read_chunked(reader)
        elif length >= 0:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            close = True
        if close:
            await self.aclose()
        return status, body

    async def aclose(self) -> None:
        """Close the socket; the next :meth:`post` reconnects."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


def _version_of(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return "?"
    if isinstance(answer, dict) and "model_version" in answer:
        return str(answer["model_version"])
    return "?"


async def _worker(
    spec: LoadSpec, offset: int, start: float, measure_from: float, end: float
) -> LoadResult:
    result = LoadResult(duration_s=end - measure_from)
    connection = Connection(spec.url)
    requests = [connection.encode(body) for body in spec.payloads]
    await asyncio.sleep(max(0.0, start - time.time()))
    index = offset
    while True:
        request = requests[index % len(requests)]
        index += 1
        began = time.perf_counter()
        if time.time() >= end:
            break
        error = ""
        try:
            status, body = await connection.post(request)
            if status != 200:
                error = f"HTTP {status}: {body[:200].decode(errors='replace')}"
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            await connection.aclose()
        finished = time.time()
        if spec.record_versions and not error:
            result.versions.append((finished, _version_of(body)))
        if finished < measure_from:
            result.warmup_errors += bool(error)
            continue
        if finished >= end:
            break
        if error:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(error)
        else:
            result.requests += 1
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
    await connection.aclose()
    return result


async def _run_workers(spec: LoadSpec, workers: int, first: int, start: float) -> LoadResult:
    measure_from = start + spec.warmup_s
    end = measure_from + spec.duration_s
    step = max(1, len(spec.payloads) // max(1, spec.concurrency))
    results = await asyncio.gather(
        *(_worker(spec, (first + i) * step, start, measure_from, end) for i in range(workers))
    )
    merged = LoadResult(duration_s=spec.duration_s)
    for one in results:
        merged.merge(one)
    return merged


def _child(spec: LoadSpec, workers: int, first: int, start: float) -> LoadResult:
    return asyncio.run(_run_workers(spec, workers, first, start))


def split(total: int, parts: int) -> list[int]:
    """``total`` workers over ``parts`` processes, as evenly as possible, none empty."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run_load(spec: LoadSpec) -> LoadResult:
    """Run ``spec`` in ``spec.processes`` spawned client processes; block until it is done."""
    shares = split(spec.concurrency, spec.processes)
    start = time.time() + START_DELAY_S
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(shares)) as pool:
        firsts = [sum(shares[:i]) for i in range(len(shares))]
        parts = pool.starmap(
            _child, [(spec, n, first, start) for n, first in zip(shares, firsts, strict=True)]
        )
    merged = LoadResult(duration_s=spec.duration_s)
    for part in parts:
        merged.merge(part)
    return merged


def start_load(spec: LoadSpec) -> tuple[float, multiprocessing.pool.AsyncResult[list[LoadResult]]]:
    """Like :func:`run_load` but return at once: ``(start wall time, pending parts)``.

    The caller runs something while the load is on (the hot-swap) and then calls
    :func:`finish_load`.
    """
    shares = split(spec.concurrency, spec.processes)
    start = time.time() + START_DELAY_S
    pool = multiprocessing.get_context("spawn").Pool(len(shares))
    firsts = [sum(shares[:i]) for i in range(len(shares))]
    pending = pool.starmap_async(
        _child, [(spec, n, first, start) for n, first in zip(shares, firsts, strict=True)]
    )
    pool.close()
    _POOLS[id(pending)] = pool
    return start, pending


_POOLS: dict[int, multiprocessing.pool.Pool] = {}


def finish_load(pending: multiprocessing.pool.AsyncResult[list[LoadResult]]) -> LoadResult:
    """Wait for a load started by :func:`start_load` and merge its parts."""
    parts = pending.get()
    pool = _POOLS.pop(id(pending))
    pool.join()
    merged = LoadResult()
    for part in parts:
        merged.merge(part)
    return merged


# --- a trivial server, to measure what the client itself can push ---------------------------

_TRIVIAL_BODY = b'{"predictions": [0]}'
_TRIVIAL_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(_TRIVIAL_BODY)).encode()
    + b"\r\n\r\n"
    + _TRIVIAL_BODY
)


async def _serve_trivial(port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                length = 0
                while True:
                    line = await reader.readline()
                    if not line:
                        return
                    if line == b"\r\n":
                        break
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                writer.write(_TRIVIAL_ANSWER)
        except (OSError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def serve_trivial(port: int) -> None:
    """Answer every POST with a fixed 20-byte JSON body (child-process entry point)."""
    asyncio.run(_serve_trivial(port))
