from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftloop.pipelines import Binding, Pipeline, PipelineDefinitionError, step


@step
def load(rows: int, seed: int = 42) -> pd.DataFrame:
    return pd.DataFrame({"x": range(rows)})


@step(outputs=("train", "test"))
def split(load: pd.DataFrame, test_size: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    return load, load


@step
def fit(train: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    return {"n": float(len(train))}


@step
def evaluate(fit: dict[str, float], test: pd.DataFrame) -> float:
    return 1.0


def test_parameters_named_like_outputs_read_them_and_the_rest_are_pipeline_parameters() -> None:
    pipeline = Pipeline("retrain", steps=[evaluate, fit, split, load])
    assert pipeline.order == ("load", "split", "fit", "evaluate")
    assert pipeline.bindings["split"]["load"] == Binding("load", "load")
    assert pipeline.bindings["evaluate"]["test"] == Binding("split", "test")
    assert str(pipeline.bindings["fit"]["train"]) == "split.train"
    assert str(pipeline.bindings["load"]["rows"]) == "params.rows"
    assert set(pipeline.parameters) == {"rows", "seed", "test_size"}
    seed = pipeline.parameters["seed"]
    assert [(s.name, p.name) for s, p in seed.consumers] == [("load", "seed"), ("fit", "seed")]
    assert not seed.required
    assert pipeline.parameters["rows"].required
    assert pipeline.producer_of("test") is split
    assert repr(pipeline) == "Pipeline('retrain', steps=['load', 'split', 'fit', 'evaluate'])"


def test_explicit_wiring_overrides_names() -> None:
    @step
    def score(model: dict[str, float], frame: pd.DataFrame, threshold: float = 0.5) -> float:
        return threshold

    pipeline = Pipeline(
        "p",
        steps=[load, split, fit, score],
        wiring={
            "score.model": "fit.fit",
            "score.frame": "split.test",
            "score.threshold": "params.cut",
        },
    )
    assert pipeline.bindings["score"] == {
        "model": Binding("fit", "fit"),
        "frame": Binding("split", "test"),
        "threshold": Binding(None, "cut"),
    }
    assert "cut" in pipeline.parameters
    assert "threshold" not in pipeline.parameters


@pytest.mark.parametrize(
    ("wiring", "match", "field"),
    [
        ({"fit.nope": "split.train"}, "unknown input 'fit.nope'.*no parameter", "fit.nope"),
        ({"nostep.train": "split.train"}, "unknown input 'nostep.train'.*no step", "nostep.train"),
        ({"fit.train": "split.nothing"}, "wired to 'split.nothing'.*not an output", "fit.train"),
        ({"fit.train": "ghost.train"}, "wired to 'ghost.train'.*not an output", "fit.train"),
        ({"fit.train": "train"}, "targets are 'step.output' or 'params.name'", "fit.train"),
        ({"fit": "split.train"}, "wiring keys are 'step.parameter'", "wiring"),
    ],
)
def test_unknown_inputs_are_refused_naming_step_and_parameter(
    wiring: dict[str, str], match: str, field: str
) -> None:
    with pytest.raises(PipelineDefinitionError, match=match) as caught:
        Pipeline("p", steps=[load, split, fit], wiring=wiring)
    assert caught.value.field == field


def test_a_cycle_is_refused_naming_the_steps_and_parameters() -> None:
    @step
    def a(b: int) -> int:
        return b

    @step
    def b(a: int) -> int:
        return a

    with pytest.raises(PipelineDefinitionError, match="has a cycle") as caught:
        Pipeline("p", steps=[a, b])
    message = str(caught.value)
    assert "step 'a' parameter 'b' <- step 'b' output 'b'" in message
    assert "step 'b' parameter 'a' <- step 'a' output 'a'" in message
    assert caught.value.field in {"a.b", "b.a"}


def test_a_step_reading_its_own_output_is_a_cycle() -> None:
    @step
    def grow(grow: int = 0) -> int:
        return grow + 1

    with pytest.raises(
        PipelineDefinitionError, match="step 'grow' parameter 'grow' <- step 'grow'"
    ):
        Pipeline("p", steps=[grow])


def test_two_steps_producing_the_same_output_name_are_refused() -> None:
    @step(name="other", outputs=("train",))
    def other(rows: int) -> int:
        return rows

    with pytest.raises(PipelineDefinitionError, match="both produce an output named 'train'"):
        Pipeline("p", steps=[load, split, other])


def test_two_steps_with_one_name_are_refused() -> None:
    @step(name="load")
    def load_again(rows: int) -> int:
        return rows

    with pytest.raises(PipelineDefinitionError, match="two steps are named 'load'"):
        Pipeline("p", steps=[load, load_again])


@pytest.mark.parametrize(
    ("steps", "match"),
    [([], "non-empty list"), ("load", "non-empty list"), ([load, print], "made with @step")],
)
def test_steps_must_be_a_list_of_steps(steps: Any, match: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=match):
        Pipeline("p", steps=steps)


@pytest.mark.parametrize("name", ["", "has space", "a/b", 3])
def test_pipeline_names_are_checked(name: Any) -> None:
    with pytest.raises(PipelineDefinitionError, match="pipeline name"):
        Pipeline(name, steps=[load])


def test_an_output_feeding_a_parameter_of_an_incompatible_type_is_refused() -> None:
    @step
    def needs_array(train: np.ndarray) -> int:
        return len(train)

    with pytest.raises(
        PipelineDefinitionError,
        match="parameter 'train' expects ndarray but step 'split' output 'train' is DataFrame",
    ) as caught:
        Pipeline("p", steps=[load, split, needs_array])
    assert caught.value.field == "needs_array.train"


def test_check_params_accepts_known_typed_values_and_defaults() -> None:
    pipeline = Pipeline("p", steps=[load, split, fit])
    assert pipeline.check_params({"rows": 10}) == {"rows": 10}
    assert pipeline.check_params({"rows": 10, "test_size": 1, "seed": 3}) == {
        "rows": 10,
        "test_size": 1,
        "seed": 3,
    }


@pytest.mark.parametrize(
    ("params", "match", "field"),
    [
        (
            {"rows": 1, "rowz": 2},
            r"no parameter 'rowz' \(known: rows, seed, test_size\)",
            "params.rowz",
        ),
        ({}, r"needs the parameter 'rows' \(read by step 'load'\)", "params.rows"),
        ({"rows": "10"}, "read by step 'load' as int but got str '10'", "params.rows"),
        ({"rows": 1, "test_size": True}, "as float but got bool", "params.test_size"),
        ({"rows": 1, "seed": object()}, "must be JSON data, a DataFrame", "params.seed"),
    ],
)
def test_check_params_refuses_unknown_missing_and_mistyped_values(
    params: dict[str, Any], match: str, field: str
) -> None:
    pipeline = Pipeline("p", steps=[load, split, fit])
    with pytest.raises(PipelineDefinitionError, match=match) as caught:
        pipeline.check_params(params)
    assert caught.value.field == field


def test_producer_of_an_unknown_output() -> None:
    with pytest.raises(PipelineDefinitionError, match="has no output 'nope'"):
        Pipeline("p", steps=[load]).producer_of("nope")
