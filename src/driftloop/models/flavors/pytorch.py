"""The ``pytorch`` flavor: a ``torch.nn.Module`` as its class reference plus safetensors weights.

The weights go to ``model.safetensors`` (or, when tensors share memory, to ``state_dict.pt``,
read back with ``torch.load(weights_only=True)``), so they never unpickle code. Rebuilding the
module imports the class named by the model file and calls its constructor with the stored
``init_kwargs``: that runs code the model file chose, so only ``torch.nn`` classes load
without ``trusted=True``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError, ModelFormatError, UntrustedModelError
from driftloop.models.flavors._class_reference import (
    ClassReference,
    class_reference,
    resolve_class,
)
from driftloop.models.flavors._support import (
    TRUST_HINT,
    check_option_keys,
    class_modules,
    from_package,
    import_optional,
    option_str,
    resolve_model_file,
)
from driftloop.models.flavors.base import Flavor, FlavorModel, ModelInput

SAFETENSORS_FILE = "model.safetensors"
TORCH_FILE = "state_dict.pt"
WEIGHTS_FORMATS = {"safetensors": SAFETENSORS_FILE, "torch": TORCH_FILE}
SAVE_OPTIONS = ("init_kwargs", "input_dtype")
_INPUT_DTYPES = frozenset(
    {
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "bool",
    }
)


def _torch() -> ModuleType:
    return import_optional("torch", package="torch", extra="torch")


def _safetensors_torch() -> ModuleType:
    return import_optional("safetensors.torch", package="safetensors", extra="torch")


class PyTorchModel(FlavorModel):
    """A ``torch.nn.Module`` in eval mode; input becomes a tensor of the recorded dtype."""

    def __init__(self, module: Any, input_dtype: Any, torch: ModuleType) -> None:
        self.raw = module
        self.input_dtype = input_dtype
        self._torch = torch

    def predict(self, data: ModelInput) -> Any:
        """Run the module under ``torch.inference_mode()``; tensors come back as numpy."""
        array = data.to_numpy() if isinstance(data, pd.DataFrame) else np.asarray(data)
        if array.dtype == object:
            array = array.astype(np.float64)
        elif not array.flags.writeable:  # pandas copy-on-write views; torch warns on them
            array = array.copy()
        tensor = self._torch.as_tensor(array, dtype=self.input_dtype)
        self.raw.eval()
        with self._torch.inference_mode():
            output = self.raw(tensor)
        return _to_numpy(output, self._torch)


def _to_numpy(output: Any, torch: ModuleType) -> Any:
    if isinstance(output, torch.Tensor):
        return output.detach().cpu().numpy()
    if isinstance(output, tuple | list):
        return [_to_numpy(item, torch) for item in output]
    return output


def _init_kwargs(options: Mapping[str, Any]) -> dict[str, Any]:
    value = options.get("init_kwargs", {})
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InvalidParameterError(
            "init_kwargs must be a dict with string keys", field="init_kwargs"
        )
    try:
        normalized: dict[str, Any] = json.loads(json.dumps(dict(value), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"init_kwargs must be JSON-serializable: {exc}", field="init_kwargs"
        ) from exc
    return normalized


def _default_input_dtype(module: Any) -> str:
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return str(tensor.dtype).removeprefix("torch.")
    return "float32"


def _input_dtype(name: object, torch: ModuleType, *, error: type[InvalidParameterError]) -> Any:
    if not isinstance(name, str) or name not in _INPUT_DTYPES:
        raise error(
            f"input_dtype must be one of {sorted(_INPUT_DTYPES)}, got {name!r}",
            field="input_dtype",
        )
    return getattr(torch, name)


def _save_weights(module: Any, directory: Path, torch: ModuleType) -> str:
    state = {key: value.detach().cpu() for key, value in module.state_dict().items()}
    try:
        _safetensors_torch().save_file(state, directory / SAFETENSORS_FILE)
    except RuntimeError:  # tensors share memory (tied weights): safetensors refuses them
        (directory / SAFETENSORS_FILE).unlink(missing_ok=True)
        torch.save(state, directory / TORCH_FILE)
        return "torch"
    return "safetensors"


def _load_weights(directory: Path, options: Mapping[str, Any], torch: ModuleType) -> Any:
    weights_format = options.get("weights_format")
    if weights_format not in WEIGHTS_FORMATS:
        raise ModelFormatError(
            f"weights_format must be one of {sorted(WEIGHTS_FORMATS)}, got {weights_format!r}",
            field="weights_format",
        )
    path = resolve_model_file(directory, option_str(options, "file"), field="file")
    try:
        if weights_format == "safetensors":
            return _safetensors_torch().load_file(path, device="cpu")
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError) as exc:  # SafetensorError is an OSError
        raise ModelFormatError(f"{path.name} holds no readable weights", field="file") from exc


def _check_trusted(reference: ClassReference, *, trusted: bool) -> None:
    if trusted or from_package(reference.module, "torch.nn"):
        return
    raise UntrustedModelError(
        f"this PyTorch model is rebuilt by importing {reference} and calling its constructor, "
        "which runs code from that module; only torch.nn classes load without trust; " + TRUST_HINT,
    )


def _check_rebuildable(module: Any, init_kwargs: Mapping[str, Any], reference: object) -> None:
    """Refuse at save time a module that ``class(**init_kwargs)`` cannot rebuild.

    Loading rebuilds the architecture from the class and ``init_kwargs`` and then loads the
    weights; a container built at run time (``nn.Sequential(a, b)``) or missing
    ``init_kwargs`` would only fail at load time, on another machine. The caller's own class is
    constructed here, in the caller's process.
    """
    try:
        rebuilt = type(module)(**init_kwargs)
    except TypeError as exc:
        raise InvalidParameterError(
            f"{reference} cannot be rebuilt with init_kwargs {dict(init_kwargs)!r}: {exc}; pass "
            "the constructor's arguments as flavor_options={'init_kwargs': {...}}",
            field="flavor_options",
        ) from exc
    expected = {key: tuple(value.shape) for key, value in module.state_dict().items()}
    got = {key: tuple(value.shape) for key, value in rebuilt.state_dict().items()}
    if expected != got:
        raise InvalidParameterError(
            f"{reference}(**init_kwargs) builds a module with other parameters than this one "
            f"(missing {sorted(set(expected) - set(got))[:5]}); containers such as "
            "nn.Sequential built at run time cannot be rebuilt from their class: wrap the "
            "architecture in a Module subclass whose __init__ builds it from JSON arguments, "
            "and pass them as flavor_options={'init_kwargs': {...}}",
            field="model",
        )


class PyTorchFlavor(Flavor):
    """``torch.nn.Module`` instances whose class can be imported by name."""

    name = "pytorch"
    extra = "torch"
    packages = ("torch", "safetensors")

    def handles(self, model: object) -> bool:
        """Objects whose MRO has a class from ``torch.nn``."""
        return any(from_package(module, "torch.nn") for module in class_modules(model))

    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write the weights and return the class reference, ``init_kwargs`` and input dtype.

        Options:
            init_kwargs: JSON-serializable keyword arguments that rebuild the module.
            input_dtype: The dtype of the input tensor (default: the first floating
                parameter's dtype, else ``float32``).
        """
        check_option_keys(options, SAVE_OPTIONS)
        torch = _torch()
        module = cast(Any, model)
        reference = class_reference(type(model))
        init_kwargs = _init_kwargs(options)
        dtype_name = options.get("input_dtype", _default_input_dtype(module))
        _input_dtype(dtype_name, torch, error=InvalidParameterError)
        _check_rebuildable(module, init_kwargs, reference)
        weights_format = _save_weights(module, directory, torch)
        return {
            "class": str(reference),
            "init_kwargs": init_kwargs,
            "input_dtype": dtype_name,
            "file": WEIGHTS_FORMATS[weights_format],
            "weights_format": weights_format,
            "torch_version": str(torch.__version__),
        }

    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Rebuild the module; classes outside ``torch.nn`` need ``trusted``."""
        reference = ClassReference.parse(option_str(options, "class"))
        init_kwargs = options.get("init_kwargs", {})
        if not isinstance(init_kwargs, Mapping) or not all(isinstance(k, str) for k in init_kwargs):
            raise ModelFormatError("init_kwargs must be a mapping", field="init_kwargs")
        _check_trusted(reference, trusted=trusted)
        torch = _torch()
        input_dtype = _input_dtype(options.get("input_dtype"), torch, error=ModelFormatError)
        module_class = resolve_class(reference, base=torch.nn.Module)
        try:
            module = module_class(**init_kwargs)
        except TypeError as exc:
            raise ModelFormatError(
                f"{reference} does not accept the stored init_kwargs: {exc}", field="init_kwargs"
            ) from exc
        state = _load_weights(directory, options, torch)
        try:
            module.load_state_dict(state, assign=True)
        except RuntimeError as exc:
            raise ModelFormatError(
                f"the stored weights do not fit {reference}: {exc}", field="file"
            ) from exc
        module.eval()
        return PyTorchModel(module, input_dtype, torch)
