"""Constants and helpers of the ``/api/v1/ct/*`` tests."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from driftloop.testing import T0

PREFIX = "/api/v1/ct"
JSON_HEADERS = {"Content-Type": "application/json"}
EPISODE_FIELDS = {
    "episode_id",
    "deployment",
    "phase",
    "trigger",
    "evidence",
    "pipeline_run_id",
    "challenger_version",
    "champion_version",
    "canary_step",
    "phase_started",
    "revision",
    "created",
    "updated",
    "message",
}


def _stored(server: tuple[str, Path]) -> tuple[int, int, int]:
    """How many episodes, events and leases the server's database holds (read directly)."""
    with contextlib.closing(sqlite3.connect(server[1])) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("ct_episodes", "ct_events", "ct_leases")
        ]
    return counts[0], counts[1], counts[2]


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(path, content=json.dumps(body).encode(), headers=JSON_HEADERS)


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert body.get("field") == field
    assert body["message"]
    return body


def _start(http: httpx.Client, deployment: str, **overrides: Any) -> dict[str, Any]:
    body = {"deployment": deployment, "trigger": "drift", "now": T0, **overrides}
    episode: dict[str, Any] = _ok(_post(http, "/episodes/start", body))["episode"]
    return episode


def _events(http: httpx.Client, deployment: str, **query: Any) -> list[dict[str, Any]]:
    listed = _ok(http.get("/events/list", params={"deployment": deployment, **query}))
    events: list[dict[str, Any]] = listed["events"]
    return events
