from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import driftloop
from driftloop.tracking import batching, fluent, uri

_ENV_VARS = (
    "DRIFTLOOP_TRACKING_URI",
    "DRIFTLOOP_ARTIFACT_ROOT",
    "DRIFTLOOP_EXPERIMENT_NAME",
)


@pytest.fixture(autouse=True)
def _isolated_tracking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    uri._reset_for_tests()
    yield
    fluent._reset_for_tests()
    batching._reset_for_tests()
    uri._reset_for_tests()


@pytest.fixture
def tracking_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tracking"
    driftloop.set_tracking_uri(folder)
    return folder


@pytest.fixture
def client(tracking_dir: Path) -> driftloop.Client:
    return driftloop.Client()
