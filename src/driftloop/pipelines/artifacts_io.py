"""How a step's values are written to files and read back, without pickle unless trusted.

Each value gets its own folder and one safe format, chosen by its type:

========== ================================================ =================================
kind        values                                           files
========== ================================================ =================================
dataframe   ``pandas.DataFrame``                             ``data.parquet``
series      ``pandas.Series``                                ``data.parquet`` + ``series.json``
ndarray     ``numpy.ndarray`` (not of objects)               ``data.npy`` (``allow_pickle=False``)
json        None, bool, int, float, str, numpy scalars,      ``data.json``
            lists, tuples and str-keyed dicts of them
model       a scikit-learn, XGBoost, LightGBM or PyTorch     ``model/`` (driftloop's model
            model, or a :class:`ModelOutput`                  format; scikit-learn via skops)
pickle      anything else, only for ``trusted`` steps        ``data.pkl``
========== ================================================ =================================

A value no safe format holds (an object array, a DataFrame with non-string column names, an
arbitrary object) raises :class:`UnsafeValueError` naming the step and output, unless the step
is trusted. The content hash of a stored value is the SHA-256 of its files (canonical JSON for
``json``; the flavor files for models), which feeds the cache keys of the steps that read it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd

from driftloop.errors import (
    DriftloopError,
    InvalidParameterError,
    ModelFormatError,
    UntrustedModelError,
)
from driftloop.models.flavors.catalog import flavor_for_model
from driftloop.models.flavors.pyfunc import load_pickle
from driftloop.models.loading import load_model_dir
from driftloop.models.manifest import file_digest
from driftloop.models.package import MODEL_DATA_DIR, save_model
from driftloop.models.signature import ModelSignature
from driftloop.pipelines.errors import UnsafeValueError

_JSON_DEPTH = 64
_TRUST_HINT = "declare the step @step(trusted=True) to store it with pickle"
MODEL_DIR = "model"
"""Folder of a ``model`` value: a driftloop model directory, loadable with ``load_model``."""


class ValueKind(enum.StrEnum):
    """The storage format of a value (see the module docstring)."""

    DATAFRAME = "dataframe"
    SERIES = "series"
    NDARRAY = "ndarray"
    JSON = "json"
    MODEL = "model"
    PICKLE = "pickle"


_FILES = {
    ValueKind.DATAFRAME: "data.parquet",
    ValueKind.SERIES: "data.parquet",
    ValueKind.NDARRAY: "data.npy",
    ValueKind.JSON: "data.json",
    ValueKind.PICKLE: "data.pkl",
}
_SERIES_META = "series.json"
_SERIES_COLUMN = "value"


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """A model to store with what ``save_model`` needs for a signature and a drift profile.

    Return it from a step instead of the bare model so the stored model directory (the one a
    CT controller registers) gets a signature, an input example and a reference profile.
    The steps that read the output receive the model itself.
    """

    model: Any
    training_data: Any = None
    target: Any = None
    signature: ModelSignature | None = None
    input_example: Any = None


@dataclass(frozen=True, slots=True)
class StoredValue:
    """What :func:`write_value` stored.

    Attributes:
        kind: The format.
        sha256: Content hash (see the module docstring).
        type_name: The value's class, for people reading ``outputs.json``.
    """

    kind: ValueKind
    sha256: str
    type_name: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"kind": self.kind.value, "sha256": self.sha256, "type": self.type_name}

    @classmethod
    def from_dict(cls, data: Any) -> StoredValue:
        """Read the JSON form; ``ModelFormatError`` when it is malformed."""
        try:
            return cls(ValueKind(data["kind"]), str(data["sha256"]), str(data["type"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFormatError("malformed stored value entry", field="outputs") from error


def stored_path(kind: ValueKind) -> str:
    """The path, in a value's folder, of its data file (or model directory)."""
    return MODEL_DIR if kind is ValueKind.MODEL else _FILES[kind]


def is_json_ready(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is JSON data (numpy scalars count; dict keys must be strings)."""
    if depth > _JSON_DEPTH:
        return False
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, np.generic):
        return isinstance(value, np.bool_ | np.integer | np.floating | np.str_)
    if isinstance(value, list | tuple):
        return all(is_json_ready(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and is_json_ready(item, depth + 1) for key, item in value.items()
        )
    return False


def canonical_json(value: Any) -> str:
    """The JSON text of a JSON-ready value with sorted keys (what hashes and params use)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_scalar)


def write_value(
    value: Any, directory: Path, *, label: str, field: str, trusted: bool
) -> StoredValue:
    """Write ``value`` into the new folder ``directory`` in the first safe format that fits.

    ``label`` names the value in messages (``"step 'train' output 'model'"``); ``field`` is
    the errors' field (``"train.model"``). With ``trusted``, a value no safe format holds is
    pickled.

    Raises:
        UnsafeValueError: No safe format holds the value and the step is not trusted.
    """
    directory.mkdir(parents=True)
    kind = _kind(value, label=label, field=field, trusted=trusted)
    try:
        return _write_kind(kind, value, directory, label=label, field=field, trusted=trusted)
    except UnsafeValueError:
        raise
    except (InvalidParameterError, ValueError, TypeError, NotImplementedError) as error:
        if isinstance(error, InvalidParameterError) and error.field != "model":
            raise  # e.g. a ModelOutput's training data that cannot be profiled
        if not trusted:
            raise UnsafeValueError(
                f"{label}: this {_type_name(value)} cannot be stored as {kind.value} "
                f"({type(error).__name__}: {_short(error)}); " + _TRUST_HINT,
                field=field,
            ) from error
    for leftover in directory.iterdir():  # start the pickle fallback from an empty folder
        if leftover.is_file():
            leftover.unlink()
    payload = value.model if isinstance(value, ModelOutput) else value
    return _write_kind(ValueKind.PICKLE, payload, directory, label=label, field=field, trusted=True)


def read_value(
    directory: Path, stored: StoredValue, *, label: str, field: str, trusted: bool
) -> Any:
    """Read back what :func:`write_value` stored in ``directory`` (names as there).

    Raises:
        UnsafeValueError: The value is a pickle (or a model needing trust) and the step is not
            trusted.
        ModelFormatError: The files are missing or unreadable.
    """
    kind = stored.kind
    try:
        if kind is ValueKind.MODEL:
            return load_model_dir(directory / MODEL_DIR, trusted=trusted, source=label).raw
        path = directory / _FILES[kind]
        if kind is ValueKind.PICKLE:
            return load_pickle(path, trusted=trusted, what=label)
        return _read_file(kind, path, directory)
    except UntrustedModelError as error:
        raise UnsafeValueError(
            f"{label} cannot be read back without running code from it ({error.message}); "
            + _TRUST_HINT,
            field=field,
        ) from error
    except DriftloopError:
        raise
    except Exception as error:  # a deserializer's own failure (skops, pyarrow, numpy)
        raise ModelFormatError(
            f"{label}: the stored {kind.value} is unreadable ({type(error).__name__})",
            field=field,
        ) from error


def store_value(
    value: Any, directory: Path, *, label: str, field: str, trusted: bool
) -> tuple[StoredValue, Any]:
    """Write ``value`` (see :func:`write_value`) and read it back at once.

    Reading back proves the value can be restored as stored: an untrusted value that would
    need code to load fails here, naming it; a trusted one that the safe format cannot
    restore (e.g. a model holding a lambda) is stored with pickle instead.

    Returns:
        How it is stored, and the value as read back.
    """
    stored = write_value(value, directory, label=label, field=field, trusted=trusted)
    try:
        return stored, read_value(directory, stored, label=label, field=field, trusted=trusted)
    except ModelFormatError:
        if not trusted or stored.kind is ValueKind.PICKLE:
            raise
    shutil.rmtree(directory)
    directory.mkdir(parents=True)
    payload = value.model if isinstance(value, ModelOutput) else value
    stored = _write_kind(
        ValueKind.PICKLE, payload, directory, label=label, field=field, trusted=True
    )
    return stored, read_value(directory, stored, label=label, field=field, trusted=True)


def _kind(value: Any, *, label: str, field: str, trusted: bool) -> ValueKind:
    if isinstance(value, ModelOutput):
        return ValueKind.MODEL
    if type(value) is pd.DataFrame:
        return ValueKind.DATAFRAME
    if type(value) is pd.Series:
        return ValueKind.SERIES
    if type(value) is np.ndarray:
        return ValueKind.NDARRAY
    if is_json_ready(value):
        return ValueKind.JSON
    try:
        flavor = flavor_for_model(value)
    except InvalidParameterError:
        flavor = None
    if flavor is not None:  # an untrusted pyfunc model is refused by _write_model
        return ValueKind.MODEL
    if trusted:
        return ValueKind.PICKLE
    raise UnsafeValueError(
        f"{label}: a {_type_name(value)} has no safe storage format (DataFrame, Series, numpy "
        "array, JSON data, or a model of a supported library); " + _TRUST_HINT,
        field=field,
    )


def _write_kind(
    kind: ValueKind, value: Any, directory: Path, *, label: str, field: str, trusted: bool
) -> StoredValue:
    if kind is ValueKind.MODEL:
        return _write_model(value, directory, label=label, field=field, trusted=trusted)
    path = directory / _FILES[kind]
    if kind is ValueKind.DATAFRAME:
        value.to_parquet(path, engine="pyarrow")
    elif kind is ValueKind.SERIES:
        name = value.name if is_json_ready(value.name) else str(value.name)
        value.to_frame(name=_SERIES_COLUMN).to_parquet(path, engine="pyarrow")
        (directory / _SERIES_META).write_text(json.dumps({"name": name}), encoding="utf-8")
    elif kind is ValueKind.NDARRAY:
        with path.open("wb") as stream:
            np.save(stream, value, allow_pickle=False)
    elif kind is ValueKind.JSON:
        path.write_text(json.dumps(value, default=_scalar) + "\n", encoding="utf-8")
    else:
        path.write_bytes(cloudpickle.dumps(value))
    digest = _json_digest(value) if kind is ValueKind.JSON else file_digest(path)
    return StoredValue(kind, digest, _type_name(value))


def _read_file(kind: ValueKind, path: Path, directory: Path) -> Any:
    if kind is ValueKind.DATAFRAME:
        return pd.read_parquet(path, engine="pyarrow")
    if kind is ValueKind.SERIES:
        name = json.loads((directory / _SERIES_META).read_text(encoding="utf-8"))["name"]
        column = pd.read_parquet(path, engine="pyarrow")[_SERIES_COLUMN]
        return column.rename(name)
    if kind is ValueKind.NDARRAY:
        return np.load(path, allow_pickle=False)
    return json.loads(path.read_text(encoding="utf-8"))


def _write_model(
    value: Any, directory: Path, *, label: str, field: str, trusted: bool
) -> StoredValue:
    spec = value if isinstance(value, ModelOutput) else ModelOutput(value)
    flavor = flavor_for_model(spec.model)
    if flavor.name == "pyfunc" and not trusted:
        raise UnsafeValueError(
            f"{label}: a {_type_name(spec.model)} is no model of a supported library; it "
            "would be stored with cloudpickle; " + _TRUST_HINT,
            field=field,
        )
    saved = save_model(
        spec.model,
        directory / MODEL_DIR,
        training_data=spec.training_data,
        target=spec.target,
        signature=spec.signature,
        input_example=spec.input_example,
    )
    prefix = f"{MODEL_DATA_DIR}/"
    flavor_files = {
        name: digest for name, digest in saved.manifest.files.items() if name.startswith(prefix)
    }
    digest = hashlib.sha256(json.dumps(flavor_files, sort_keys=True).encode()).hexdigest()
    return StoredValue(ValueKind.MODEL, f"sha256:{digest}", _type_name(spec.model))


def _json_digest(value: Any) -> str:
    return f"sha256:{hashlib.sha256(canonical_json(value).encode()).hexdigest()}"


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__qualname__} is not JSON data")


def _type_name(value: object) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _short(error: BaseException, limit: int = 200) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."
