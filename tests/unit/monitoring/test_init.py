"""``driftloop.monitoring`` exports exactly its public names."""

from __future__ import annotations

import driftloop.monitoring
from driftloop.monitoring import profile


def test_all_is_exactly_the_public_names() -> None:
    expected = {
        "PROFILE_FORMAT_VERSION",
        "CategoricalSketch",
        "ColumnKind",
        "ColumnProfile",
        "DatasetProfile",
        "NumericSketch",
        "build_profile",
    }
    assert set(driftloop.monitoring.__all__) == expected
    assert set(profile.__all__) == expected
    for name in expected:
        assert getattr(driftloop.monitoring, name) is getattr(profile, name)
