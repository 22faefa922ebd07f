"""Synthetic reference/current frames with a known shift, for the monitoring benchmark.

Imports neither driftloop nor Evidently: the driftloop side (project venv, pandas 3) and the
Evidently side (its own venv, pandas 2) both read the parquet files written here, and the
measuring helpers at the bottom serve both.

Every column is drawn from its own seeded generator (``seed``, size, column, side), so the
same arguments always give the same frames, whatever the other columns are.

Numeric columns cycle through five shapes (normal, log-normal, gamma, uniform, Poisson
counts); every fourth has 1% missing values. Categorical columns cycle through cardinalities
4, 12, 30, 100 and 400 with Zipf-like weights; the fourth has 2% missing values. The current
side is an independent draw from the same distributions, except for the shifted columns:

* ``mean``: every value moves by ``MEAN_SHIFT`` standard deviations;
* ``scale``: values spread ``SCALE_FACTOR`` times as far from the mean;
* ``tail``: a quarter of the values are doubled (a heavier right tail);
* ``categories``: the weights of the top categories are reversed and two new categories
  take 8% of the rows.

Each shift is well above both tools' default threshold (normalised Wasserstein >= 0.1,
Jensen-Shannon distance >= 0.1), and the unshifted columns are far below it, so "the same
columns flagged" is a fair check of both rather than a coin toss at the threshold.
"""

from __future__ import annotations

import os
import resource
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MEAN_SHIFT = 0.5
SCALE_FACTOR = 1.6
TAIL_SHARE = 0.25
NEW_CATEGORY_SHARE = 0.08
CARDINALITIES = (4, 12, 30, 100, 400)


@dataclass(frozen=True, slots=True)
class Size:
    """One benchmark case: shape and which columns shift (column -> kind of shift)."""

    name: str
    rows: int
    numeric: int
    categorical: int
    shifts: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.numeric_columns, *self.categorical_columns)

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        return tuple(f"num_{i:02d}" for i in range(self.numeric))

    @property
    def categorical_columns(self) -> tuple[str, ...]:
        return tuple(f"cat_{i}" for i in range(self.categorical))

    @property
    def label(self) -> str:
        return f"{_rows(self.rows)} x {self.numeric + self.categorical}"


def _rows(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


SIZES: dict[str, Size] = {
    "200k": Size(
        "200k",
        200_000,
        20,
        5,
        {"num_00": "mean", "num_01": "scale", "cat_1": "categories"},
    ),
    "1m": Size(
        "1m",
        1_000_000,
        45,
        5,
        {"num_00": "mean", "num_07": "scale", "num_12": "tail", "cat_2": "categories"},
    ),
    # --quick: the same recipes, small enough for a smoke run of both sides.
    "20k": Size(
        "20k",
        20_000,
        20,
        5,
        {"num_00": "mean", "num_01": "scale", "cat_1": "categories"},
    ),
    "100k": Size(
        "100k",
        100_000,
        45,
        5,
        {"num_00": "mean", "num_07": "scale", "num_12": "tail", "cat_2": "categories"},
    ),
}


def _rng(seed: int, size: Size, column: str, side: str) -> np.random.Generator:
    key = zlib.crc32(f"{size.name}\x00{column}\x00{side}".encode())
    return np.random.default_rng([seed, key])


def _numeric(index: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    shape = index % 5
    if shape == 0:
        values = rng.normal(10.0 * index, 1.0 + index % 7, rows)
    elif shape == 1:
        values = rng.lognormal(0.0, 0.5, rows)
    elif shape == 2:
        values = rng.gamma(2.0, 2.0, rows)
    elif shape == 3:
        values = rng.uniform(-5.0, 5.0, rows)
    else:
        values = rng.poisson(20.0, rows).astype(np.float64)
    if index % 4 == 3:
        values[rng.random(rows) < 0.01] = np.nan
    return values


def _shift_numeric(values: np.ndarray, how: str, rng: np.random.Generator) -> np.ndarray:
    mean, std = float(np.nanmean(values)), float(np.nanstd(values))
    if how == "mean":
        return values + MEAN_SHIFT * std
    if how == "scale":
        return (values - mean) * SCALE_FACTOR + mean
    if how == "tail":
        doubled = rng.random(len(values)) < TAIL_SHARE
        return np.where(doubled, values * 2.0, values)
    raise ValueError(f"unknown numeric shift {how!r}")


def _category_weights(cardinality: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, cardinality + 1) ** 1.1
    return weights / weights.sum()


def _categorical(index: int, rows: int, rng: np.random.Generator, shift: str | None) -> pa.Array:
    cardinality = CARDINALITIES[index % len(CARDINALITIES)]
    names = [f"c{index}_{k:03d}" for k in range(cardinality)]
    weights = _category_weights(cardinality)
    if shift == "categories":
        top = min(cardinality, 10)
        weights[:top] = weights[:top][::-1].copy()
        names += [f"c{index}_new_a", f"c{index}_new_b"]
        weights = np.concatenate([weights * (1 - NEW_CATEGORY_SHARE), [NEW_CATEGORY_SHARE / 2] * 2])
    elif shift is not None:
        raise ValueError(f"unknown categorical shift {shift!r}")
    codes = rng.choice(len(names), size=rows, p=weights).astype(np.int32)
    mask = rng.random(rows) < 0.02 if index % 5 == 3 else None
    # Dictionary-encode, then decode to plain strings: parquet keeps them as strings and both
    # pandas versions read them back as their default string dtype.
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(codes, mask=mask), pa.array(names, type=pa.string())
    )
    return dictionary.cast(pa.string())


def make_table(size: Size, side: str, seed: int = 42) -> pa.Table:
    """The ``reference`` or ``current`` table of ``size``."""
    arrays: dict[str, pa.Array] = {}
    for index, column in enumerate(size.numeric_columns):
        rng = _rng(seed, size, column, side)
        values = _numeric(index, size.rows, rng)
        if side == "current" and column in size.shifts:
            values = _shift_numeric(values, size.shifts[column], rng)
        arrays[column] = pa.array(values, from_pandas=True)  # NaN -> null, as pandas writes it
    for index, column in enumerate(size.categorical_columns):
        rng = _rng(seed, size, column, side)
        shift = size.shifts.get(column) if side == "current" else None
        arrays[column] = _categorical(index, size.rows, rng, shift)
    return pa.table(arrays)


def write_case(size: Size, folder: Path, seed: int = 42) -> tuple[Path, Path]:
    """Write ``reference.parquet`` and ``current.parquet`` for ``size`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for side in ("reference", "current"):
        path = folder / f"{side}.parquet"
        pq.write_table(make_table(size, side, seed), path)
        paths.append(path)
    return paths[0], paths[1]


def read_frame(path: Path) -> pd.DataFrame:
    """A parquet file as a DataFrame in this pandas' default dtypes (float64, strings).

    Read one column at a time: ``pq.read_table(path).to_pandas()`` holds the whole Arrow
    table and the frame at once (1.2 GB at its peak for a 410 MB frame, whatever the
    ``self_destruct``/``split_blocks`` options), which would swamp the drift computation's own
    memory. Column by column, the peak is the frame plus one column. Both sides read this way.
    """
    parquet = pq.ParquetFile(path)
    columns = {}
    for name in parquet.schema_arrow.names:
        columns[name] = parquet.read(columns=[name]).column(0).to_pandas()
    return pd.DataFrame(columns, copy=False)


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (``VmHWM``; Linux)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """This process's current resident memory, in MiB."""
    with Path("/proc/self/statm").open(encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Stopwatch:
    """Named wall-clock laps, in seconds."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.laps[name] = now - self._start
        self._start = now
        return self.laps[name]
