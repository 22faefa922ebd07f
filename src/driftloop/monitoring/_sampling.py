"""Seeded uniform sampling of positions, without Python loops over the data."""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray


def column_rng(seed: int, role: str, name: str) -> np.random.Generator:
    """A generator for one column, independent of the other columns and of column order.

    The stream depends only on ``seed``, the column's role (feature, target, predictions) and
    its name, so adding or reordering columns does not change another column's sample.
    """
    key = zlib.crc32(f"{role}\x00{name}".encode())
    return np.random.default_rng([seed, key])


def sample_positions(population: int, size: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """``min(size, population)`` distinct positions in ``range(population)``, ascending.

    Every subset of that size is equally likely (a uniform sample without replacement); the
    positions are sorted so the sample keeps the data's order. When the population fits, all
    positions are returned and ``rng`` is not used.
    """
    take = min(size, population)
    if take == population:
        return np.arange(population, dtype=np.intp)
    chosen = rng.choice(population, size=take, replace=False, shuffle=False)
    return np.sort(chosen.astype(np.intp, copy=False))
