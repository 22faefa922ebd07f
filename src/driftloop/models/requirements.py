"""The model's environment: pinned versions of the libraries it needs, and the Python version.

The pins come from the running environment (what the model was trained and saved with), so
``pip install -r requirements.txt`` rebuilds an environment that loads it the same way.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Sequence
from importlib import metadata

from packaging.requirements import InvalidRequirement, Requirement

from driftloop.errors import InvalidParameterError

REQUIREMENTS_FILE = "requirements.txt"
BASE_PACKAGES = ("driftloop", "numpy", "pandas")


def python_version() -> str:
    """The running Python's ``major.minor.micro``."""
    return platform.python_version()


def pinned_requirements(
    packages: Iterable[str], extra_requirements: Sequence[str] | None = None
) -> list[str]:
    """Pin ``packages`` (plus driftloop, numpy, pandas) to their installed versions.

    Args:
        packages: Distribution names the flavor needs (``scikit-learn``, ``torch``...);
            one that is not installed is left out.
        extra_requirements: More requirement lines from the user, kept as given after a
            syntax check; one naming an already-pinned package replaces the pin.

    Returns:
        Sorted requirement lines such as ``scikit-learn==1.7.2``.

    Raises:
        InvalidParameterError: An extra requirement is not a valid requirement line.
    """
    lines: dict[str, str] = {}
    for name in (*BASE_PACKAGES, *packages):
        try:
            lines[_canonical(name)] = f"{name}=={metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    for line in extra_requirements or ():
        try:
            requirement = Requirement(line)
        except (InvalidRequirement, TypeError) as error:
            raise InvalidParameterError(
                f"{line!r} is not a valid requirement line", field="extra_requirements"
            ) from error
        lines[_canonical(requirement.name)] = str(requirement)
    return sorted(lines.values(), key=str.lower)


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
