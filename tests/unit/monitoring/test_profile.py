"""build_profile and the DatasetProfile JSON format."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import driftloop
from driftloop.errors import FormatVersionWarning, InvalidParameterError, ProfileError
from driftloop.monitoring import (
    PROFILE_FORMAT_VERSION,
    ColumnKind,
    ColumnProfile,
    DatasetProfile,
    build_profile,
)


def _mixed_frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=rows)
    numbers[::7] = np.nan
    numbers[3] = np.inf
    cities = rng.choice(np.array(["Oslo", "Rome", "Lima", ""], dtype=object), size=rows)
    cities[::5] = None
    return pd.DataFrame(
        {
            "x": numbers,
            "n": rng.integers(0, 100, rows),
            "city": cities,
            "flag": rng.random(rows) < 0.3,
        }
    )


# --- Building -------------------------------------------------------------------------------


def test_a_frame_is_profiled_column_by_column() -> None:
    frame = _mixed_frame()
    profile = build_profile(frame, bins=5, top_k=2, sample_size=20)

    assert profile.row_count == 200
    assert [column.name for column in profile.columns] == ["x", "n", "city", "flag"]
    assert profile.format_version == PROFILE_FORMAT_VERSION
    assert profile.driftloop_version == driftloop.__version__

    x = profile.column("x")
    assert x.kind is ColumnKind.NUMERIC
    assert x.count == 200
    assert x.missing_count == int(frame["x"].isna().sum())
    assert x.missing_rate == x.missing_count / 200
    assert x.numeric is not None
    assert x.numeric.positive_infinity_count == 1
    finite = frame["x"][np.isfinite(frame["x"])].to_numpy()
    edges = np.quantile(finite, np.linspace(0, 1, 6))
    assert x.numeric.bin_edges == tuple(edges.tolist())
    assert x.numeric.bin_counts == tuple(np.histogram(finite, bins=edges)[0].tolist())
    assert math.isclose(x.numeric.mean or 0.0, float(finite.mean()), rel_tol=1e-9)
    assert math.isclose(x.numeric.std or 0.0, float(finite.std()), rel_tol=1e-9)
    assert x.categorical is None

    city = profile.column("city")
    assert city.kind is ColumnKind.CATEGORICAL
    assert city.missing_count == int(frame["city"].isna().sum())
    assert city.categorical is not None
    expected = frame["city"].value_counts()
    assert len(city.categorical.frequencies) == 2
    for key, count in city.categorical.frequencies.items():
        assert count == expected[key]
    assert city.categorical.distinct_count == len(expected)
    assert city.categorical.other_count == int(expected.sum()) - sum(
        city.categorical.frequencies.values()
    )

    flag = profile.column("flag")
    assert flag.kind is ColumnKind.BOOLEAN
    assert flag.categorical is not None
    assert flag.categorical.frequencies == {
        "true": int(frame["flag"].sum()),
        "false": int((~frame["flag"]).sum()),
    }
    assert all(isinstance(value, bool) for value in flag.sample)


def test_unknown_column_names_the_column() -> None:
    profile = build_profile({"a": [1.0]})
    with pytest.raises(ProfileError, match="no column 'b'"):
        profile.column("b")


def test_arrays_and_mappings_are_accepted() -> None:
    array = np.arange(12, dtype=np.int64).reshape(4, 3)
    from_array = build_profile(array)
    assert [column.name for column in from_array.columns] == ["0", "1", "2"]
    assert from_array.column("1").numeric is not None
    assert from_array.column("1").numeric.bin_edges[0] == 1.0
    from_mapping = build_profile({0: array[:, 0], "1": list(array[:, 1]), "2": tuple(array[:, 2])})
    assert from_mapping == from_array
    structured = np.array([(1, "a"), (2, "b")], dtype=[("id", "i8"), ("tag", "U1")])
    from_structured = build_profile(structured)
    assert [column.kind for column in from_structured.columns] == [
        ColumnKind.NUMERIC,
        ColumnKind.CATEGORICAL,
    ]
    assert array.tolist() == np.arange(12).reshape(4, 3).tolist()  # input untouched


def test_input_is_never_modified() -> None:
    frame = _mixed_frame()
    before = frame.copy()
    array = np.random.default_rng(1).normal(size=(50, 3))
    array_before = array.copy()
    build_profile(frame)
    build_profile(array)
    build_profile({"a": array[:, 0]})
    pd.testing.assert_frame_equal(frame, before)
    np.testing.assert_array_equal(array, array_before)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.Series([1, 2]), "cannot profile a Series"),
        ([[1, 2]], "cannot profile a list"),
        (np.zeros(3), "must be 2-D"),
        ({"a": [1, 2], "b": [1]}, r"columns differ in length \(1, 2 rows\)"),
        ({"a": np.zeros((2, 2))}, "'a' must be one-dimensional"),
        ({"a": "text"}, "'a' must be a 1-D array-like"),
        ({1: [1], "1": [2]}, "column name '1' appears twice"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "column name 'a' appears twice"),
    ],
)
def test_unprofilable_data_is_refused(data: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        build_profile(data)


def test_a_column_mixing_numbers_and_strings_is_refused_by_name() -> None:
    frame = pd.DataFrame({"ok": [1, 2], "bad col": pd.Series([1, "two"], dtype=object)})
    with pytest.raises(ProfileError, match="column 'bad col' mixes numbers and strings") as info:
        build_profile(frame)
    assert info.value.field == "bad col"


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("bins", 0),
        ("bins", 2.5),
        ("bins", True),
        ("top_k", 0),
        ("sample_size", -1),
        ("seed", -1),
        ("seed", None),
    ],
)
def test_keyword_arguments_are_validated(keyword: str, value: object) -> None:
    with pytest.raises(InvalidParameterError, match=f"{keyword} must be an integer") as info:
        build_profile({"a": [1.0]}, **{keyword: value})  # type: ignore[arg-type]
    assert info.value.field == keyword


def test_target_and_predictions_are_profiled_too() -> None:
    frame = _mixed_frame(50)
    profile = build_profile(
        frame,
        target=pd.Series(np.arange(50) % 3 == 0, name="churned"),
        predictions=np.ones((50, 1)),
    )
    assert profile.target is not None
    assert profile.predictions is not None
    assert (profile.target.name, profile.target.kind) == ("churned", ColumnKind.BOOLEAN)
    assert (profile.predictions.name, profile.predictions.kind) == (
        "predictions",
        ColumnKind.NUMERIC,
    )
    assert build_profile(frame, target=list(range(50))).target is not None
    assert build_profile(frame).target is None


@pytest.mark.parametrize("keyword", ["target", "predictions"])
def test_target_and_predictions_must_have_one_value_per_row(keyword: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"'{keyword}' has 2 values but the data has 3"):
        build_profile({"a": [1, 2, 3]}, **{keyword: [1, 2]})  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=f"'{keyword}' must be one-dimensional"):
        build_profile({"a": [1, 2, 3]}, **{keyword: np.zeros((3, 2))})  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="mixes numbers and strings") as info:
        build_profile({"a": [1, 2]}, **{keyword: [1, "b"]})  # type: ignore[arg-type]
    assert info.value.field == keyword


def test_zero_rows_and_zero_columns_work() -> None:
    profile = build_profile(
        pd.DataFrame({"x": pd.Series([], dtype=float), "s": pd.Series([], dtype=object)})
    )
    assert profile.row_count == 0
    x, s = profile.columns
    assert (x.kind, x.count, x.missing_rate, x.sample) == (ColumnKind.NUMERIC, 0, 0.0, ())
    assert x.numeric is not None
    assert x.numeric.bin_edges == ()
    assert s.categorical is not None
    assert (s.kind, dict(s.categorical.frequencies)) == (ColumnKind.CATEGORICAL, {})
    assert build_profile({}).row_count == 0
    assert build_profile(np.zeros((4, 0))).row_count == 4
    assert DatasetProfile.from_json(profile.to_json()) == profile


def test_all_missing_columns_work() -> None:
    profile = build_profile(
        {"f": [np.nan, np.nan], "o": [None, None], "b": pd.Series([None, None], dtype="boolean")}
    )
    f, o, b = profile.columns
    assert (f.kind, f.missing_count, f.missing_rate) == (ColumnKind.NUMERIC, 2, 1.0)
    assert f.numeric is not None
    assert f.numeric.mean is None
    assert (o.kind, o.missing_rate) == (ColumnKind.CATEGORICAL, 1.0)
    assert (b.kind, b.missing_rate) == (ColumnKind.BOOLEAN, 1.0)
    assert DatasetProfile.from_json(profile.to_json()) == profile


def test_datetimes_are_numeric_in_epoch_seconds() -> None:
    stamps = pd.Series(pd.to_datetime(["1970-01-01T00:00:10", None, "1970-01-02T00:00:00"]))
    profile = build_profile({"naive": stamps, "aware": stamps.dt.tz_localize("Europe/Oslo")})
    naive = profile.column("naive")
    assert naive.numeric is not None
    assert (naive.numeric.min, naive.numeric.max, naive.missing_count) == (10.0, 86400.0, 1)
    aware = profile.column("aware")
    assert aware.numeric is not None
    assert aware.numeric.min == 10.0 - 3600.0


# --- Sampling -------------------------------------------------------------------------------


def test_the_sample_is_bounded_seeded_and_drawn_from_the_data() -> None:
    values = np.random.default_rng(3).normal(size=5000)
    frame = pd.DataFrame({"v": values, "w": values.copy()})
    first = build_profile(frame, sample_size=100)
    v = first.column("v")
    assert len(v.sample) == 100
    assert set(v.sample) <= set(values.tolist())
    positions = [int(np.flatnonzero(values == value)[0]) for value in v.sample]
    assert positions == sorted(positions)  # data order
    assert build_profile(frame, sample_size=100) == first
    assert build_profile(frame, sample_size=100, seed=7).column("v").sample != v.sample
    assert first.column("w").sample != v.sample  # columns sample independently
    assert build_profile(frame, sample_size=0).column("v").sample == ()
    assert build_profile(frame[["v"]], sample_size=100).column("v") == v  # other columns irrelevant


def test_the_sample_is_roughly_uniform() -> None:
    values = np.arange(100_000, dtype=np.float64)
    sample = np.array(build_profile({"v": values}, sample_size=1000).column("v").sample)
    counts = np.histogram(sample, bins=10, range=(0, 100_000))[0]
    assert counts.min() > 60  # expectation 100 per decile
    assert len(set(sample.tolist())) == 1000


# --- JSON -----------------------------------------------------------------------------------


def test_json_is_strict_and_version_stamped() -> None:
    profile = build_profile(pd.DataFrame({"x": [np.inf, np.nan, -np.inf], "s": ["a", None, "é"]}))
    text = profile.to_json()
    assert "NaN" not in text
    assert "Infinity" not in text
    data = json.loads(text)
    assert data["format_version"] == 1
    assert data["driftloop_version"] == driftloop.__version__
    assert data["columns"][0]["numeric"]["mean"] is None
    assert DatasetProfile.from_json(text) == profile
    assert DatasetProfile.from_dict(profile.to_dict()) == profile


def test_another_format_version_warns() -> None:
    data = build_profile({"a": [1]}).to_dict()
    data["format_version"] = 2
    with pytest.warns(FormatVersionWarning, match="profile format version 2 differs"):
        profile = DatasetProfile.from_dict(data)
    assert profile.format_version == 2


def _broken(path: list[Any], value: object) -> dict[str, Any]:
    data = copy.deepcopy(build_profile(_mixed_frame(20), target=[1.0] * 20).to_dict())
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["format_version"], KeyError, "format_version"),
        (["format_version"], "1", "format_version"),
        (["row_count"], -1, "row_count"),
        (["columns"], {}, "columns"),
        (["columns", 0], [], "columns[0]"),
        (["columns", 0, "kind"], "text", "columns[0].kind"),
        (["columns", 0, "count"], True, "columns[0].count"),
        (["columns", 0, "missing_count"], 10_000, "columns[0].missing_count"),
        (["columns", 0, "missing_rate"], None, "columns[0].missing_rate"),
        (["columns", 0, "numeric"], None, "columns[0].numeric"),
        (["columns", 0, "categorical"], {}, "columns[0].categorical"),
        (["columns", 0, "numeric", "bin_edges"], KeyError, "columns[0].numeric.bin_edges"),
        (["columns", 0, "numeric", "bin_edges", 0], "x", "columns[0].numeric.bin_edges[0]"),
        (["columns", 0, "numeric", "bin_counts"], [1], "columns[0].numeric.bin_counts"),
        (["columns", 0, "numeric", "mean"], "x", "columns[0].numeric.mean"),
        (["columns", 0, "numeric", "quantiles"], {}, "columns[0].numeric.quantiles"),
        (["columns", 0, "numeric", "quantiles", 0], "x", "columns[0].numeric.quantiles[0]"),
        (["columns", 0, "numeric", "quantiles", 0], 1e300, "columns[0].numeric.quantiles"),
        (["columns", 0, "sample", 0], "x", "columns[0].sample[0]"),
        (["columns", 2, "numeric"], {}, "columns[2].numeric"),
        (["columns", 2, "categorical", "frequencies"], [], "columns[2].categorical.frequencies"),
        (["columns", 2, "categorical", "other_count"], 1.5, "columns[2].categorical.other_count"),
        (["columns", 2, "sample", 0], 1, "columns[2].sample[0]"),
        (["columns", 3, "sample", 0], "true", "columns[3].sample[0]"),
        (["target", "name"], 3, "target.name"),
        (["predictions"], KeyError, "predictions"),
        (["driftloop_version"], None, "driftloop_version"),
    ],
)
def test_malformed_profiles_name_the_field(path: list[Any], value: object, field: str) -> None:
    with pytest.raises(ProfileError, match="profile field") as info:
        DatasetProfile.from_dict(_broken(path, value))
    assert info.value.field == field


def test_profiles_written_before_the_quantile_function_still_read() -> None:
    data = build_profile(_mixed_frame(20)).to_dict()
    assert data["columns"][0]["numeric"]["quantiles"]
    del data["columns"][0]["numeric"]["quantiles"]
    assert DatasetProfile.from_dict(data).columns[0].numeric.quantiles == ()  # type: ignore[union-attr]


def test_duplicate_column_names_and_bad_json_are_refused() -> None:
    data = build_profile({"a": [1]}).to_dict()
    data["columns"].append(data["columns"][0])
    with pytest.raises(ProfileError, match="'columns' must be named uniquely"):
        DatasetProfile.from_dict(data)
    with pytest.raises(ProfileError, match="not valid JSON"):
        DatasetProfile.from_json("{")
    with pytest.raises(ProfileError, match="not valid JSON"):
        DatasetProfile.from_json('{"format_version": NaN}')
    with pytest.raises(ProfileError, match="'profile' must be an object"):
        DatasetProfile.from_json("[]")


# --- Properties over generated frames -------------------------------------------------------

_names = st.text(min_size=0, max_size=6)


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(0, 25))
    names = draw(st.lists(_names, max_size=4, unique=True))

    def cells(elements: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(elements, min_size=rows, max_size=rows))

    columns: dict[str, Any] = {}
    for name in names:
        kind = draw(st.sampled_from(["numeric", "string", "bool"]))
        if kind == "numeric":
            columns[name] = np.array(cells(st.floats()), dtype=float)
        elif kind == "string":
            columns[name] = pd.Series(
                cells(st.one_of(st.none(), st.text(max_size=4))), dtype=object
            )
        else:
            columns[name] = np.array(cells(st.booleans()), dtype=bool)
    return pd.DataFrame(columns, index=range(rows))


@settings(max_examples=60, deadline=None)
@given(
    frame=_frames(), sample_size=st.integers(0, 8), top_k=st.integers(1, 4), bins=st.integers(1, 6)
)
def test_profiles_of_generated_frames_round_trip_exactly(
    frame: pd.DataFrame, sample_size: int, top_k: int, bins: int
) -> None:
    profile = build_profile(frame, bins=bins, top_k=top_k, sample_size=sample_size, seed=1)
    text = profile.to_json()
    assert DatasetProfile.from_json(text) == profile
    assert DatasetProfile.from_json(text).to_json() == text
    assert build_profile(frame, bins=bins, top_k=top_k, sample_size=sample_size, seed=1) == profile
    for column in profile.columns:
        _check_invariants(column, frame[column.name], sample_size)


def _check_invariants(column: ColumnProfile, values: pd.Series, sample_size: int) -> None:
    assert column.count == len(values)
    assert 0 <= column.missing_count <= column.count
    assert 0.0 <= column.missing_rate <= 1.0
    assert len(column.sample) <= sample_size
    present = values.dropna()
    if column.numeric is not None:
        finite = present[np.isfinite(present)]
        sketch = column.numeric
        assert sum(sketch.bin_counts) == len(finite)
        assert sketch.positive_infinity_count + sketch.negative_infinity_count == len(
            present
        ) - len(finite)
        assert set(column.sample) <= set(finite.tolist())
    else:
        assert column.categorical is not None
        known = {
            str(value).lower() if isinstance(value, bool | np.bool_) else str(value)
            for value in present
        }
        assert set(column.categorical.frequencies) <= known | {"true", "false"}
        assert sum(column.categorical.frequencies.values()) + column.categorical.other_count == len(
            present
        )


@settings(max_examples=30, deadline=None)
@given(name=st.text(min_size=1, max_size=10), value=st.one_of(st.just(""), st.text(max_size=3)))
def test_unicode_names_and_empty_strings(name: str, value: str) -> None:
    profile = build_profile({name: [value, value, None]}, target=[value, "", ""])
    column = profile.column(name)
    assert column.categorical is not None
    assert column.categorical.frequencies[value] == 2
    assert column.missing_count == 1
    assert DatasetProfile.from_json(profile.to_json()) == profile


@settings(max_examples=30, deadline=None)
@given(value=st.floats(allow_nan=False), rows=st.integers(1, 5))
def test_constant_and_single_row_numeric_columns(value: float, rows: int) -> None:
    profile = build_profile({"c": [value] * rows})
    sketch = profile.column("c").numeric
    assert sketch is not None
    if math.isfinite(value):
        assert sketch.bin_edges == (value, value)
        assert sketch.bin_counts == (rows,)
        assert (sketch.min, sketch.max, sketch.mean, sketch.std) == (value, value, value, 0.0)
    else:
        assert sketch.bin_edges == ()
        assert sketch.positive_infinity_count + sketch.negative_infinity_count == rows
    assert DatasetProfile.from_json(profile.to_json()) == profile
