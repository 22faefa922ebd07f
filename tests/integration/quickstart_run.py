"""What the session's shared ``driftloop quickstart --fast`` left (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class QuickstartRun:
    """A finished ``quickstart --fast``: its tracking folder and what it printed."""

    tracking: Path
    stdout: str
