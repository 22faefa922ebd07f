"""A small closed-loop load generator for the serving tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class LoadResult:
    """What the generator saw."""

    responses: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


async def closed_loop(
    url: str,
    body: Callable[[int], dict[str, Any]],
    *,
    concurrency: int,
    seconds: float | None = None,
    requests: int | None = None,
    headers: Callable[[int], dict[str, str]] | None = None,
    during: Callable[[], Any] | None = None,
) -> LoadResult:
    """``concurrency`` clients posting back to back, for ``seconds`` or ``requests`` in all.

    ``during`` (sync, run in a thread) starts once every client has its first answer.
    """
    result = LoadResult()
    counter = iter(range(10**9))
    deadline = None if seconds is None else time.monotonic() + seconds
    started = asyncio.Event()

    async def client(http: httpx.AsyncClient) -> None:
        while True:
            number = next(counter)
            if requests is not None and number >= requests:
                return
            if deadline is not None and time.monotonic() > deadline:
                return
            begin = time.perf_counter()
            try:
                response = await http.post(
                    url, json=body(number), headers=headers(number) if headers else None
                )
            except httpx.HTTPError as error:
                result.failures.append(f"{type(error).__name__}: {error}")
                continue
            result.latencies.append(time.perf_counter() - begin)
            if response.status_code != 200:
                result.failures.append(f"{response.status_code}: {response.text[:200]}")
            else:
                result.responses.append({"number": number, **response.json(), **_h(response)})
            started.set()

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        tasks = [asyncio.create_task(client(http)) for _ in range(concurrency)]
        if during is not None:
            await started.wait()
            await asyncio.to_thread(during)
        await asyncio.gather(*tasks)
    return result


def _h(response: httpx.Response) -> dict[str, Any]:
    return {
        "header_version": response.headers.get("x-model-version"),
        "header_route": response.headers.get("x-route"),
        "header_request_id": response.headers.get("x-request-id"),
    }
