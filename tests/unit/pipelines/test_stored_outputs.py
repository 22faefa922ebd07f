from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import FormatVersionWarning, ModelFormatError
from driftloop.pipelines import UnsafeValueError, ValueKind
from driftloop.pipelines.stored_outputs import (
    OUTPUTS_FILE,
    OUTPUTS_FORMAT_VERSION,
    read_manifest,
    read_outputs,
    write_outputs,
)


def test_outputs_are_written_read_back_and_listed_in_a_versioned_manifest(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    manifest, values = write_outputs(
        {"frame": frame, "stats": {"n": 2}, "array": np.ones(3)},
        tmp_path,
        step="prepare",
        cache_key="k1",
        trusted=False,
    )
    pd.testing.assert_frame_equal(values["frame"], frame)
    assert values["stats"] == {"n": 2}
    assert {name: value.kind for name, value in manifest.values.items()} == {
        "frame": ValueKind.DATAFRAME,
        "stats": ValueKind.JSON,
        "array": ValueKind.NDARRAY,
    }
    document = json.loads((tmp_path / OUTPUTS_FILE).read_text())
    assert document["format_version"] == OUTPUTS_FORMAT_VERSION
    assert document["driftloop_version"]
    assert document["step"] == "prepare"
    assert document["cache_key"] == "k1"
    assert read_manifest(tmp_path) == manifest
    again = read_outputs(tmp_path, manifest, ("stats", "array"), step="prepare", trusted=False)
    assert again["stats"] == {"n": 2}
    np.testing.assert_array_equal(again["array"], np.ones(3))


def test_an_unsafe_output_names_the_step_and_output(tmp_path: Path) -> None:
    with pytest.raises(UnsafeValueError, match="step 'prepare' output 'when'") as caught:
        write_outputs({"when": {1, 2}}, tmp_path, step="prepare", cache_key=None, trusted=False)
    assert caught.value.field == "prepare.when"


def test_a_missing_output_in_the_manifest_is_a_format_error(tmp_path: Path) -> None:
    manifest, _ = write_outputs({"a": 1}, tmp_path, step="s", cache_key=None, trusted=False)
    with pytest.raises(ModelFormatError, match="has no output 'b'"):
        read_outputs(tmp_path, manifest, ("b",), step="s", trusted=False)


def test_manifest_of_another_version_warns_and_a_broken_one_raises(tmp_path: Path) -> None:
    write_outputs({"a": 1}, tmp_path, step="s", cache_key=None, trusted=False)
    document = json.loads((tmp_path / OUTPUTS_FILE).read_text())
    document["format_version"] = 99
    (tmp_path / OUTPUTS_FILE).write_text(json.dumps(document))
    with pytest.warns(FormatVersionWarning, match="format version 99"):
        read_manifest(tmp_path)
    (tmp_path / OUTPUTS_FILE).write_text("[1]")
    with pytest.raises(ModelFormatError, match="is malformed"):
        read_manifest(tmp_path)
    (tmp_path / OUTPUTS_FILE).unlink()
    with pytest.raises(ModelFormatError, match="is unreadable"):
        read_manifest(tmp_path)
