"""System tags that describe where a run was started: user, entry point, git state, Python.

Collecting them never fails: anything that cannot be found (no ``git``, no user name, a
detached interpreter) is simply left out or replaced by a neutral value.
"""

from __future__ import annotations

import getpass
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

USER_ENV = "DRIFTLOOP_USER"
USER_TAG = "mlflow.user"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_COMMIT_TAG = "mlflow.source.git.commit"
GIT_DIRTY_TAG = "driftloop.source.git.dirty"
PYTHON_VERSION_TAG = "driftloop.python_version"
NOTE_TAG = "mlflow.note.content"

INTERACTIVE_SOURCE = "<interactive>"
_GIT_TIMEOUT_SECONDS = 3.0


def current_user() -> str:
    """``$DRIFTLOOP_USER``, else the login name, or ``"unknown"`` when the OS cannot tell.

    ``DRIFTLOOP_USER`` lets a CI job or a service act under its own name in run tags and in
    the registry's event log.
    """
    explicit = os.environ.get(USER_ENV, "").strip()
    if explicit:
        return explicit
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError, ImportError):
        return "unknown"


def entry_point(argv0: str | None = None) -> Path | None:
    """The script that started this process (``sys.argv[0]`` resolved), or None if interactive."""
    name = sys.argv[0] if argv0 is None and sys.argv else argv0
    if not name or name in {"-c", "-m", "-"}:
        return None
    path = Path(name)
    try:
        return path.resolve() if path.exists() else None
    except OSError:
        return None


def git_state(directory: Path) -> dict[str, str]:
    """The commit and dirtiness of the git work tree holding ``directory`` (empty if none)."""
    git = shutil.which("git")
    if git is None or not directory.is_dir():
        return {}
    commit = _git(git, directory, "rev-parse", "HEAD")
    if commit is None:
        return {}
    tags = {GIT_COMMIT_TAG: commit}
    status = _git(git, directory, "status", "--porcelain", "--untracked-files=no")
    if status is not None:
        tags[GIT_DIRTY_TAG] = "true" if status else "false"
    return tags


def system_tags(argv0: str | None = None, cwd: Path | None = None) -> dict[str, str]:
    """The system tags recorded on every run started by the fluent API.

    Args:
        argv0: The entry point to describe; ``sys.argv[0]`` by default.
        cwd: Where to look for git state when the process is interactive; the current
            directory by default.

    Returns:
        ``mlflow.user``, ``mlflow.source.name`` (the resolved script or ``<interactive>``),
        ``mlflow.source.type`` (``LOCAL``), ``driftloop.python_version`` and, inside a git
        work tree, ``mlflow.source.git.commit`` and ``driftloop.source.git.dirty``.
    """
    script = entry_point(argv0)
    tags = {
        USER_TAG: current_user(),
        SOURCE_NAME_TAG: str(script) if script is not None else INTERACTIVE_SOURCE,
        SOURCE_TYPE_TAG: "LOCAL",
        PYTHON_VERSION_TAG: platform.python_version(),
    }
    where = script.parent if script is not None else (cwd or Path.cwd())
    tags.update(git_state(where))
    return tags


def _git(git: str, directory: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, resolved git binary
            [git, "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip()
