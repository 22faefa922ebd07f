"""Constants and helpers of the MLflow registry route tests (``/api/2.0/mlflow``)."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/2.0/mlflow"


RUN_ID = "0123456789abcdef0123456789abcdef"


def post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(API + path, json=body)


def patch(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.patch(API + path, json=body)


def delete(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.request("DELETE", API + path, json=body)


def get(http: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return http.get(API + path, params=params)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    message: str = body["message"]
    return message


def create_model(http: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(post(http, "/registered-models/create", {"name": name, **extra}))
    return body["registered_model"]


def create_version(
    http: httpx.Client,
    name: str,
    source: str = "mlflow-artifacts:/0/r/artifacts/model",
    **extra: Any,
) -> dict[str, Any]:
    body = ok(post(http, "/model-versions/create", {"name": name, "source": source, **extra}))
    version: dict[str, Any] = body["model_version"]
    return version


def all_pages(http: httpx.Client, path: str, items: str, field: str, **params: Any) -> list[Any]:
    """``field`` of every item of a paged GET search, following ``next_page_token``."""
    found: list[Any] = []
    token: str | None = None
    while True:
        page = ok(get(http, path, **params, **({"page_token": token} if token else {})))
        found += [item[field] for item in page[items]]
        token = page.get("next_page_token")
        if not token:
            return found
