"""The outputs of one step run in its artifacts: ``outputs.json`` and ``outputs/<name>/``.

``outputs.json`` is version-stamped and lists each output's storage kind and content hash;
the files are laid out by :mod:`driftloop.pipelines.artifacts_io`. Values are written, then
read back at once: the steps that consume them get exactly what a later cache hit would give
(and a value that cannot be read back safely fails the step that produced it).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftloop._version import __version__
from driftloop.errors import FormatVersionWarning, ModelFormatError
from driftloop.pipelines.artifacts_io import StoredValue, read_value, store_value

OUTPUTS_FILE = "outputs.json"
OUTPUTS_DIR = "outputs"
OUTPUTS_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class StepOutputs:
    """What a step run stored: its outputs' kinds and content hashes.

    Attributes:
        step: The step's name.
        cache_key: The step run's cache key (None when caching was off).
        values: Per output name, how it is stored.
    """

    step: str
    cache_key: str | None
    values: Mapping[str, StoredValue]

    def to_dict(self) -> dict[str, Any]:
        """The version-stamped JSON form."""
        return {
            "format_version": OUTPUTS_FORMAT_VERSION,
            "driftloop_version": __version__,
            "step": self.step,
            "cache_key": self.cache_key,
            "outputs": {name: value.to_dict() for name, value in self.values.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> StepOutputs:
        """Read the JSON form; warns on another format version.

        Raises:
            ModelFormatError: The document is malformed.
        """
        if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
            raise ModelFormatError(f"{OUTPUTS_FILE} is malformed", field="outputs")
        version = data.get("format_version")
        if version != OUTPUTS_FORMAT_VERSION:
            warnings.warn(
                f"{OUTPUTS_FILE} has format version {version!r}; this driftloop reads "
                f"{OUTPUTS_FORMAT_VERSION}",
                FormatVersionWarning,
                stacklevel=2,
            )
        key = data.get("cache_key")
        return cls(
            step=str(data.get("step")),
            cache_key=None if key is None else str(key),
            values={
                str(name): StoredValue.from_dict(item) for name, item in data["outputs"].items()
            },
        )


def write_outputs(
    values: Mapping[str, Any],
    directory: Path,
    *,
    step: str,
    cache_key: str | None,
    trusted: bool,
) -> tuple[StepOutputs, dict[str, Any]]:
    """Store ``values`` under ``directory`` (then uploaded as the run's artifacts).

    Returns:
        The manifest written to ``outputs.json`` and the values as read back.

    Raises:
        UnsafeValueError: A value has no safe format and the step is not trusted.
    """
    stored: dict[str, StoredValue] = {}
    decoded: dict[str, Any] = {}
    for name, value in values.items():
        folder = directory / OUTPUTS_DIR / name
        label, field = f"step {step!r} output {name!r}", f"{step}.{name}"
        stored[name], decoded[name] = store_value(
            value, folder, label=label, field=field, trusted=trusted
        )
    manifest = StepOutputs(step, cache_key, stored)
    text = json.dumps(manifest.to_dict(), indent=2, sort_keys=True)
    (directory / OUTPUTS_FILE).write_text(text + "\n", encoding="utf-8")
    return manifest, decoded


def read_manifest(directory: Path) -> StepOutputs:
    """Read ``directory/outputs.json``.

    Raises:
        ModelFormatError: It is missing or malformed.
    """
    try:
        data = json.loads((directory / OUTPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{OUTPUTS_FILE} is unreadable", field="outputs") from error
    return StepOutputs.from_dict(data)


def read_outputs(
    directory: Path, manifest: StepOutputs, names: tuple[str, ...], *, step: str, trusted: bool
) -> dict[str, Any]:
    """Read the outputs ``names`` stored under ``directory`` as ``manifest`` describes.

    Raises:
        ModelFormatError: An output is missing from the manifest or its files are unreadable.
        UnsafeValueError: An output needs trust the step does not have.
    """
    values: dict[str, Any] = {}
    for name in names:
        stored = manifest.values.get(name)
        if stored is None:
            raise ModelFormatError(
                f"{OUTPUTS_FILE} of step {step!r} has no output {name!r}", field=f"{step}.{name}"
            )
        folder = directory / OUTPUTS_DIR / name
        label, field = f"step {step!r} output {name!r}", f"{step}.{name}"
        values[name] = read_value(folder, stored, label=label, field=field, trusted=trusted)
    return values
