from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
import torch

from driftloop.errors import InvalidParameterError, ModelFormatError, UntrustedModelError
from driftloop.models.flavors.pytorch import PyTorchFlavor

FLAVOR = PyTorchFlavor()
LINEAR_3_1 = {"init_kwargs": {"in_features": 3, "out_features": 1}}
UserModuleFactory = Callable[[str], ModuleType]

USER_NETS = """
    import torch
    from torch import nn


    class TinyNet(nn.Module):
        def __init__(self, n_inputs: int, hidden: int = 4) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x)


    class TiedNet(nn.Module):
        def __init__(self, size: int) -> None:
            super().__init__()
            self.encoder = nn.Linear(size, size, bias=False)
            self.decoder = nn.Linear(size, size, bias=False)
            self.decoder.weight = self.encoder.weight

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.decoder(self.encoder(x))


    class NotAModule:
        def __init__(self) -> None:
            pass
"""


@pytest.fixture
def nets(user_module: UserModuleFactory) -> ModuleType:
    torch.manual_seed(42)
    return user_module(USER_NETS)


def expected_output(module: torch.nn.Module, features: pd.DataFrame) -> np.ndarray:
    module.eval()
    with torch.inference_mode():
        return module(torch.tensor(features.to_numpy(copy=True), dtype=torch.float32)).numpy()


def test_torch_nn_class_loads_untrusted(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, _ = tabular
    torch.manual_seed(42)
    module = torch.nn.Linear(3, 2)
    init_kwargs = {"in_features": 3, "out_features": 2}

    options = FLAVOR.save(module, model_dir, {"init_kwargs": init_kwargs})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["class"] == "torch.nn.modules.linear:Linear"
    assert options["weights_format"] == "safetensors"
    assert options["input_dtype"] == "float32"
    np.testing.assert_array_equal(loaded.predict(features), expected_output(module, features))
    np.testing.assert_array_equal(
        loaded.predict(features.to_numpy()), expected_output(module, features)
    )


def test_user_class_needs_trust(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, nets: ModuleType
) -> None:
    features, _ = tabular
    module = nets.TinyNet(3, hidden=5)
    options = FLAVOR.save(module, model_dir, {"init_kwargs": {"n_inputs": 3, "hidden": 5}})

    with pytest.raises(
        UntrustedModelError, match=rf"importing {nets.__name__}:TinyNet.*trusted=True"
    ):
        FLAVOR.load(model_dir, options, trusted=False)

    loaded = FLAVOR.load(model_dir, options, trusted=True)
    assert type(loaded.raw) is nets.TinyNet
    assert not loaded.raw.training
    np.testing.assert_array_equal(loaded.predict(features), expected_output(module, features))


def test_shared_tensors_fall_back_to_torch_save(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, nets: ModuleType
) -> None:
    features, _ = tabular
    module = nets.TiedNet(3)

    options = FLAVOR.save(module, model_dir, {"init_kwargs": {"size": 3}})
    loaded = FLAVOR.load(model_dir, options, trusted=True)

    assert options["weights_format"] == "torch"
    assert options["file"] == "state_dict.pt"
    assert not (model_dir / "model.safetensors").exists()
    np.testing.assert_array_equal(loaded.predict(features), expected_output(module, features))


def test_float64_module_gets_float64_input(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, _ = tabular
    module = torch.nn.Linear(3, 1).double()
    init_kwargs = {"in_features": 3, "out_features": 1, "dtype": None}

    options = FLAVOR.save(module, model_dir, {"init_kwargs": init_kwargs})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["input_dtype"] == "float64"
    # The constructor builds float32 parameters; the stored float64 tensors replace them.
    assert loaded.raw.weight.dtype == torch.float64
    with torch.inference_mode():
        expected = module(torch.tensor(features.to_numpy(copy=True), dtype=torch.float64))
    np.testing.assert_allclose(loaded.predict(features), expected.numpy(), rtol=1e-12)


def test_local_class_is_refused(model_dir: Path) -> None:
    class Local(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    with pytest.raises(InvalidParameterError, match=r"<locals>.*must be importable"):
        FLAVOR.save(Local(), model_dir, {})


def test_main_module_class_is_refused(model_dir: Path, nets: ModuleType) -> None:
    class_in_main = type("Net", (torch.nn.Module,), {"__module__": "__main__"})

    with pytest.raises(InvalidParameterError, match=r"__main__:Net must be importable"):
        FLAVOR.save(class_in_main(), model_dir, {})


def test_unknown_option_and_bad_init_kwargs_are_refused(model_dir: Path) -> None:
    module = torch.nn.Linear(3, 1)

    with pytest.raises(InvalidParameterError, match=r"unknown flavor options \['kwargs'\]"):
        FLAVOR.save(module, model_dir, {"kwargs": {}})
    with pytest.raises(InvalidParameterError, match="init_kwargs must be JSON-serializable"):
        FLAVOR.save(module, model_dir, {"init_kwargs": {"device": torch.device("cpu")}})
    with pytest.raises(InvalidParameterError, match="input_dtype must be one of"):
        FLAVOR.save(module, model_dir, {"input_dtype": "complex64"})


def test_class_that_is_not_a_module_is_refused(model_dir: Path, nets: ModuleType) -> None:
    options = FLAVOR.save(torch.nn.Linear(3, 1), model_dir, LINEAR_3_1)
    options["class"] = f"{nets.__name__}:NotAModule"

    with pytest.raises(ModelFormatError, match=r"is not a subclass of torch\.nn"):
        FLAVOR.load(model_dir, options, trusted=True)


@pytest.mark.parametrize(
    "reference", ["os:system.__globals__", "os.system", "torch.nn:Linear;x", ":Linear"]
)
def test_malformed_class_reference_is_refused(model_dir: Path, reference: str) -> None:
    options = FLAVOR.save(torch.nn.Linear(3, 1), model_dir, LINEAR_3_1)
    options["class"] = reference

    with pytest.raises(ModelFormatError, match=r"is not of the form 'package\.module:QualName'"):
        FLAVOR.load(model_dir, options, trusted=True)


def test_weights_that_do_not_fit_are_a_format_error(model_dir: Path) -> None:
    options = FLAVOR.save(torch.nn.Linear(3, 1), model_dir, LINEAR_3_1)
    options["init_kwargs"] = {"in_features": 4, "out_features": 1}

    with pytest.raises(ModelFormatError, match="the stored weights do not fit"):
        FLAVOR.load(model_dir, options, trusted=False)


def test_modules_their_class_cannot_rebuild_are_refused_at_save(model_dir: Path) -> None:
    sequential = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(InvalidParameterError, match=r"nn.Sequential built at run time") as raised:
        FLAVOR.save(sequential, model_dir, {})
    assert raised.value.field == "model"
    with pytest.raises(InvalidParameterError, match="cannot be rebuilt with init_kwargs"):
        FLAVOR.save(torch.nn.Linear(4, 2), model_dir, {})
    assert list(model_dir.iterdir()) == []
