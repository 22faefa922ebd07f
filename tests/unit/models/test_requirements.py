from importlib import metadata

import pytest

from driftloop.errors import InvalidParameterError
from driftloop.models.requirements import pinned_requirements, python_version


def test_pins_installed_versions_and_skips_missing_packages() -> None:
    lines = pinned_requirements(["scikit-learn", "no-such-distribution-xyz"])
    assert f"scikit-learn=={metadata.version('scikit-learn')}" in lines
    assert f"numpy=={metadata.version('numpy')}" in lines
    assert f"pandas=={metadata.version('pandas')}" in lines
    assert not any(line.startswith("no-such") for line in lines)
    assert lines == sorted(lines, key=str.lower)


def test_extra_requirements_replace_pins() -> None:
    lines = pinned_requirements(["scikit-learn"], ["scikit-learn>=1.0", "requests[socks]>=2"])
    assert "scikit-learn>=1.0" in lines
    assert not any(line.startswith("scikit-learn==") for line in lines)
    assert "requests[socks]>=2" in lines


def test_invalid_extra_requirement_names_the_argument() -> None:
    with pytest.raises(
        InvalidParameterError, match="'not a requirement!!' is not a valid"
    ) as raised:
        pinned_requirements([], ["not a requirement!!"])
    assert raised.value.field == "extra_requirements"


def test_python_version_has_three_parts() -> None:
    assert len(python_version().split(".")) == 3
