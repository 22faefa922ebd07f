"""A tracking folder with registered models, and scoring servers on 127.0.0.1.

``registry`` is built once per test module: model ``clf`` has v1 and v2 (logistic regressions
on f0..f3) with alias ``champion`` -> v1. Tests that move aliases or change deployments use
their own model name from ``fresh_model``.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from tests.serving.models import logistic, training_frame

from driftloop.serving import ServeConfig
from driftloop.serving.app import create_app
from driftloop.testing.live_server import live_app
from driftloop.tracking import Client

_names = itertools.count()


@dataclass(frozen=True, slots=True)
class Registry:
    """A tracking folder and a client on it."""

    root: Path
    client: Client

    @property
    def tracking_uri(self) -> str:
        """The folder as a tracking URI."""
        return str(self.root)

    def log(self, model: object, name: str, frame: object = None, **options: object) -> int:
        """Log ``model`` (trained on ``frame``, default the f0..f3 training frame) and
        register it under ``name``; returns the new version."""
        default_frame, target = training_frame()
        frame = default_frame if frame is None else frame
        run = self.client.create_run("0")
        info = self.client.log_model(
            run.info.run_id,
            model,
            "model",
            training_data=frame,
            target=target,
            registered_model_name=name,
            **options,  # type: ignore[arg-type]
        )
        self.client.set_terminated(run.info.run_id)
        assert info.registered_version is not None
        return info.registered_version.version


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """``clf`` v1, v2; ``champion`` -> v1."""
    root = tmp_path_factory.mktemp("serving-registry")
    registry = Registry(root, Client(str(root)))
    registry.log(logistic(1.0), "clf")
    registry.log(logistic(0.01), "clf")
    registry.client.set_alias("clf", "champion", 1)
    return registry


@pytest.fixture
def fresh_model(registry: Registry) -> Callable[[], str]:
    """A new model name with v1 and v2 registered and ``champion`` -> v1."""

    def make() -> str:
        name = f"m{next(_names)}"
        registry.log(logistic(1.0), name)
        registry.log(logistic(0.01), name)
        registry.client.set_alias(name, "champion", 1)
        return name

    return make


@pytest.fixture
def serve(
    registry: Registry, tmp_path: Path
) -> Callable[..., contextlib.AbstractContextManager[str]]:
    """``serve(target, **config)``: a scoring server in this process until the block ends."""

    @contextlib.contextmanager
    def start(target: str, **options: object) -> Iterator[str]:
        config = ServeConfig(
            target=target,
            tracking_uri=registry.tracking_uri,
            inference_log_uri=str(tmp_path / "inference-log"),
            port=0,
            poll_seconds=0.2,
            log_flush_seconds=0.5,
        )
        config = replace(config, **options)  # type: ignore[arg-type]
        with live_app(create_app(config, client=registry.client)) as url:
            yield url

    return start
