from __future__ import annotations

import sys

import pytest

from driftloop.errors import MissingDependencyError
from driftloop.pipelines import LocalExecutor, RayExecutor, step
from driftloop.pipelines.executors import StepExecutionError


@step
def divide(a: float, b: float) -> float:
    return a / b


def test_local_executor_calls_the_function_with_its_inputs() -> None:
    assert LocalExecutor().run_step(divide, {"a": 6, "b": 3}) == 2


def test_local_executor_keeps_the_original_error_and_its_traceback() -> None:
    executor = LocalExecutor()
    with pytest.raises(StepExecutionError, match="ZeroDivisionError: division by zero") as caught:
        executor.run_step(divide, {"a": 1, "b": 0})
    assert isinstance(caught.value.error, ZeroDivisionError)
    assert "return a / b" in caught.value.traceback_text
    assert "Traceback (most recent call last)" in caught.value.traceback_text
    executor.close()


def test_ray_executor_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without ray looks like
    with pytest.raises(MissingDependencyError, match=r"pip install 'driftloop\[ray\]'") as caught:
        RayExecutor()
    assert caught.value.package == "ray"
    assert caught.value.extra == "ray"
