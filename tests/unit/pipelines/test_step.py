from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from driftloop.pipelines import ModelOutput, PipelineDefinitionError, StepOutputError, step


@step
def load(rows: int, seed: int = 42) -> pd.DataFrame:
    return pd.DataFrame({"x": range(rows)})


@step(name="split-data", outputs=("train", "test"))
def split(load: pd.DataFrame, test_size: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    cut = int(len(load) * (1 - test_size))
    return load.iloc[:cut], load.iloc[cut:]


def test_bare_decorator_names_the_step_and_its_one_output_after_the_function() -> None:
    assert load.name == "load"
    assert load.outputs == ("load",)
    assert load.output_types == (pd.DataFrame,)
    assert [p.name for p in load.parameters] == ["rows", "seed"]
    assert load.parameter("rows") is not None
    assert load.parameter("rows").required  # type: ignore[union-attr]
    assert load.parameter("rows").annotation is int  # type: ignore[union-attr]
    assert not load.parameter("seed").required  # type: ignore[union-attr]
    assert load.parameter("nope") is None
    assert load.cache
    assert not load.trusted


def test_options_set_name_outputs_and_per_output_types_from_a_tuple_annotation() -> None:
    assert split.name == "split-data"
    assert split.outputs == ("train", "test")
    assert split.output_types == (pd.DataFrame, pd.DataFrame)


def test_a_step_is_still_callable_as_its_function() -> None:
    frame = load(rows=3)
    assert list(frame["x"]) == [0, 1, 2]


def test_code_hash_is_stable_and_changes_with_source_trust_and_version() -> None:
    def make(version: str | None = None, trusted: bool = False) -> Any:
        @step(name="f", version=version, trusted=trusted)
        def f(x: int) -> int:
            return x + 1

        return f

    base = make()
    assert base.code_hash == make().code_hash
    assert len(base.code_hash) == 64
    assert make(version="2").code_hash != base.code_hash
    assert make(trusted=True).code_hash != base.code_hash

    @step(name="f")
    def f(x: int) -> int:
        return x + 2

    assert f.code_hash != base.code_hash


def test_code_hash_without_source_falls_back_to_the_code_object() -> None:
    namespace: dict[str, Any] = {}
    exec("def g(x):\n    return x * 3\n", namespace)  # noqa: S102 - a function with no source file
    exec("def h(x):\n    return x * 4\n", namespace)  # noqa: S102
    g = step(namespace["g"])
    h = step(name="g")(namespace["h"])
    assert g.code_hash != h.code_hash
    assert g(x=2) == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "has space"}, "step name must start with a letter"),
        ({"name": "a.b"}, "step name must start with a letter"),
        ({"outputs": ("ok", "not ok")}, "output name must start with a letter"),
        ({"outputs": ("same", "same")}, "names an output twice"),
    ],
)
def test_malformed_names_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=match):

        @step(**kwargs)
        def f(x: int) -> int:
            return x


@pytest.mark.parametrize(
    ("source", "parameter"),
    [
        ("def f(*args):\n    return 1\n", "args"),
        ("def f(**kwargs):\n    return 1\n", "kwargs"),
        ("def f(x, /):\n    return 1\n", "x"),
    ],
)
def test_functions_with_unnamed_parameters_are_refused(source: str, parameter: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102
    with pytest.raises(PipelineDefinitionError, match="named parameters only") as caught:
        step(namespace["f"])
    assert caught.value.field == f"f.{parameter}"


def test_decorating_a_step_again_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="plain function"):
        step(load)  # type: ignore[arg-type]


def test_split_outputs_accepts_a_tuple_or_a_mapping_with_the_declared_names() -> None:
    frame = pd.DataFrame({"x": [1]})
    assert split.split_outputs((frame, frame)).keys() == {"train", "test"}
    values = split.split_outputs({"test": frame, "train": frame})
    assert list(values) == ["train", "test"]


@pytest.mark.parametrize(
    ("returned", "match"),
    [
        ((1, 2, 3), "must return a tuple of 2 values"),
        ({"train": 1}, r"returned the keys \['train'\]"),
        ("ab", "must return a tuple of 2 values"),
    ],
)
def test_split_outputs_refuses_the_wrong_shape(returned: Any, match: str) -> None:
    with pytest.raises(StepOutputError, match=match):
        split.split_outputs(returned)


def test_split_outputs_checks_each_declared_type_and_names_the_output() -> None:
    frame = pd.DataFrame({"x": [1]})
    with pytest.raises(StepOutputError, match="output 'test' is declared DataFrame") as caught:
        split.split_outputs((frame, [1, 2]))
    assert caught.value.field == "split-data.test"


def test_a_model_output_is_checked_by_the_model_it_wraps() -> None:
    @step
    def fit(x: int) -> int:
        return ModelOutput(x)  # type: ignore[return-value]

    assert fit.split_outputs(ModelOutput(3))["fit"] == ModelOutput(3)
    with pytest.raises(StepOutputError, match="declared int but the step returned a str"):
        fit.split_outputs(ModelOutput("no"))


def test_a_step_without_outputs_must_return_none() -> None:
    @step(outputs=())
    def notify(x: int) -> None:
        return None

    assert notify.split_outputs(None) == {}
    with pytest.raises(StepOutputError, match="declares no outputs but returned a int"):
        notify.split_outputs(1)
