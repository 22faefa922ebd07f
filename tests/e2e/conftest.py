from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from driftloop.server.config import ServerConfig
from driftloop.testing.live_server import live_server


@pytest.fixture
def server_config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'server.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        port=0,
    )


@pytest.fixture
def server_url(server_config: ServerConfig) -> Iterator[str]:
    with live_server(server_config) as url:
        yield url


@pytest.fixture
def mlflow_tracking(server_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the real mlflow client (in this process) at the live server."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", server_url)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", server_url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(server_url)
    mlflow.set_registry_uri(server_url)
    yield server_url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


# --- The web UI's browser tests (tests/e2e/test_ui_*.py) ---------------------------------

from tests.e2e.ui_support import UiServer, start_ui_browser, start_ui_server  # noqa: E402
from tests.integration.conftest import quickstart_run  # noqa: E402, F401 - the shared fixture
from tests.integration.quickstart_run import QuickstartRun  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def ui_server(
    quickstart_run: QuickstartRun,  # noqa: F811 - the fixture imported above
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UiServer]:
    """``driftloop server`` on a copy of the quickstart's database (its artifacts read in place)."""
    with start_ui_server(quickstart_run.tracking, tmp_path_factory.mktemp("ui-server")) as server:
        yield server


@pytest.fixture(scope="module")
def ui_browser() -> Iterator[Browser]:
    """One headless Chromium per test module.

    Not per session: Playwright's sync API keeps an asyncio loop running in the thread while
    it is open, and ``asyncio.run`` in a later test of the same xdist worker (the serving
    tests) would then fail with "cannot be called from a running event loop".
    """
    with start_ui_browser() as browser:
        yield browser
