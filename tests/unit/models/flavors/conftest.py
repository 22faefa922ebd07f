"""Fixtures for the flavor tests: importable user modules and small synthetic data."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

UserModuleFactory = Callable[[str], ModuleType]


@pytest.fixture
def user_module(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[UserModuleFactory]:
    """Write source to a uniquely named module on ``sys.path`` and import it.

    User model classes must be importable by name (not ``__main__``, not test-local), the way
    they are in a user's project.
    """
    folder = tmp_path_factory.mktemp("user_code")
    monkeypatch.syspath_prepend(str(folder))
    names: list[str] = []

    def create(source: str) -> ModuleType:
        name = f"user_models_{uuid.uuid4().hex[:12]}"
        (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        importlib.invalidate_caches()
        names.append(name)
        return importlib.import_module(name)

    yield create
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def tabular() -> tuple[pd.DataFrame, np.ndarray]:
    """60 rows, 3 float columns and a binary target that depends on them."""
    rng = np.random.default_rng(42)
    features = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    target = (features["a"] + 0.5 * features["b"] > 0).astype(np.int64).to_numpy()
    return features, target


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """An empty folder for a flavor to write into."""
    directory = tmp_path / "model"
    directory.mkdir()
    return directory
