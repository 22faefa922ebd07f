"""One ``driftloop quickstart --fast`` per test session, shared by every test that needs it.

The quickstart takes about a minute. The first xdist worker to ask runs it into the session's
shared temporary folder under a file lock; the others wait for the lock and reuse it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from filelock import FileLock
from tests.integration.quickstart_run import QuickstartRun

CLI = (sys.executable, "-m", "driftloop.cli.main")


@pytest.fixture(scope="session")
def quickstart_run(tmp_path_factory: pytest.TempPathFactory) -> QuickstartRun:
    """The session's quickstart; tests must not change its folder (copy it to write)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "shared-quickstart"
    printed = root / "stdout.txt"
    with FileLock(str(shared / "shared-quickstart.lock")):
        if not printed.exists():
            shutil.rmtree(root, ignore_errors=True)  # a run that failed on another worker
            root.mkdir()
            done = subprocess.run(
                [*CLI, "--tracking-uri", str(root / "tracking"), "quickstart", "--fast"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                env={**os.environ, "COLUMNS": "200"},
            )
            assert done.returncode == 0, done.stdout + done.stderr
            printed.write_text(done.stdout, encoding="utf-8")
    return QuickstartRun(root / "tracking", printed.read_text(encoding="utf-8"))
