from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import driftloop
from driftloop.tracking import batching, fluent, uri


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DRIFTLOOP_TRACKING_URI", "DRIFTLOOP_ARTIFACT_ROOT", "DRIFTLOOP_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRIFTLOOP_USER", "alice")
    uri._reset_for_tests()
    yield
    fluent._reset_for_tests()
    batching._reset_for_tests()
    uri._reset_for_tests()


@pytest.fixture
def tracking(tmp_path: Path) -> str:
    folder = str(tmp_path / "tracking")
    driftloop.set_tracking_uri(folder)
    return folder


@pytest.fixture
def client(tracking: str) -> driftloop.Client:
    return driftloop.Client(tracking)


@pytest.fixture
def churn() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    rows = 400
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "tenure": rng.uniform(0, 10, rows),
            "monthly": rng.normal(60, 15, rows),
        }
    )
    target = pd.Series((frame["tenure"] < 3).astype(int) ^ (rng.random(rows) < 0.1), name="churn")
    return frame, target
