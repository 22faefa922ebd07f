"""Isolation for the CT integration tests: no ambient tracking URI, fresh URI caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.ct.training import LOADER_CALLS

from driftloop.tracking import Client, batching, fluent, uri


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DRIFTLOOP_TRACKING_URI", "DRIFTLOOP_ARTIFACT_ROOT", "DRIFTLOOP_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRIFTLOOP_USER", "ct-tests")
    uri._reset_for_tests()
    LOADER_CALLS.clear()
    yield
    fluent._reset_for_tests()
    batching._reset_for_tests()
    uri._reset_for_tests()


@pytest.fixture
def client(tmp_path: Path) -> Client:
    """A client on a fresh SQLite tracking folder."""
    return Client(str(tmp_path / "tracking"))
