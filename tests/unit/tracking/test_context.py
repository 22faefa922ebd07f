from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from driftloop.tracking.context import (
    GIT_COMMIT_TAG,
    GIT_DIRTY_TAG,
    INTERACTIVE_SOURCE,
    PYTHON_VERSION_TAG,
    SOURCE_NAME_TAG,
    SOURCE_TYPE_TAG,
    USER_TAG,
    current_user,
    git_state,
    system_tags,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def test_tags_of_a_script_outside_git(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    tags = system_tags(argv0=str(script))
    assert tags[SOURCE_NAME_TAG] == str(script.resolve())
    assert tags[SOURCE_TYPE_TAG] == "LOCAL"
    assert tags[PYTHON_VERSION_TAG] == platform.python_version()
    assert tags[USER_TAG] == current_user()
    assert GIT_COMMIT_TAG not in tags


@pytest.mark.parametrize("argv0", ["", "-c", "-"])
def test_interactive_sessions_have_no_entry_point(argv0: str, tmp_path: Path) -> None:
    tags = system_tags(argv0=argv0, cwd=tmp_path)
    assert tags[SOURCE_NAME_TAG] == INTERACTIVE_SOURCE


@needs_git
def test_git_commit_and_dirtiness(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    script = repo / "train.py"
    script.write_text("x = 1\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "first")
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()

    clean = system_tags(argv0=str(script))
    assert clean[GIT_COMMIT_TAG] == head
    assert clean[GIT_DIRTY_TAG] == "false"

    script.write_text("x = 2\n")
    assert system_tags(argv0=str(script))[GIT_DIRTY_TAG] == "true"


def test_git_state_of_a_missing_directory_is_empty(tmp_path: Path) -> None:
    assert git_state(tmp_path / "missing") == {}
