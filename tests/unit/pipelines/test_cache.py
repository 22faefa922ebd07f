from __future__ import annotations

import hashlib

import numpy as np

from driftloop.pipelines import step
from driftloop.pipelines.cache import cache_key, value_digest


@step
def fit(rows: int, alpha: float = 0.1) -> int:
    return rows


@step(name="fit")
def fit_edited(rows: int, alpha: float = 0.1) -> int:
    return rows + 1


def test_cache_key_is_deterministic_and_ignores_input_order() -> None:
    first = cache_key(fit, {"rows": "sha256:1", "alpha": "sha256:2"})
    second = cache_key(fit, {"alpha": "sha256:2", "rows": "sha256:1"})
    assert first == second
    assert len(first) == 64
    int(first, 16)


def test_cache_key_changes_with_code_and_with_each_input() -> None:
    base = cache_key(fit, {"rows": "sha256:1", "alpha": "sha256:2"})
    assert cache_key(fit_edited, {"rows": "sha256:1", "alpha": "sha256:2"}) != base
    assert cache_key(fit, {"rows": "sha256:9", "alpha": "sha256:2"}) != base
    assert cache_key(fit, {"rows": "sha256:1", "alpha": None}) != base
    assert cache_key(fit, {"rows": "sha256:1"}) != base


def test_value_digest_is_the_sha256_of_canonical_json() -> None:
    expected = hashlib.sha256(b'{"a":1,"b":[1,2]}').hexdigest()
    assert value_digest({"b": [1, 2], "a": 1}) == f"sha256:{expected}"
    assert value_digest({"b": (1, 2), "a": np.int64(1)}) == f"sha256:{expected}"
    assert value_digest(1) != value_digest(1.0)
    assert value_digest(object()) is None
    assert value_digest(np.arange(3)) is None
