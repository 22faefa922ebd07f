"""The two sides of the serving benchmark: one model, logged and served by MLflow and driftloop.

- :func:`train` fits the HistGradientBoostingClassifier (20 numeric features, fixed seed).
- :func:`log_mlflow` logs it with ``mlflow.sklearn.log_model`` into a SQLite tracking store in
  a scratch folder; :func:`log_driftloop` logs and registers it with driftloop and points
  ``champion`` at it.
- :func:`running_server` starts ``mlflow models serve`` or ``driftloop serve`` on a free port
  in its own process group, waits until it is ready and stops the whole group afterwards.

Heavy imports (scikit-learn, pandas, MLflow, driftloop) happen inside the functions, so the
load generator's spawned processes, which import the main script, stay lean.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
MODEL_NAME = "bench"
ALIAS = "champion"
DEPLOYMENT = "bench-deployment"
"""A deployment of ``bench`` following ``champion``: the other kind of serve target."""
N_FEATURES = 20
READY_TIMEOUT_S = 180.0
HGB_TREE_TYPE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """How to start one server.

    Attributes:
        kind: ``mlflow`` or ``driftloop``.
        workers: Server worker processes.
        target: What to serve: an MLflow model URI, or ``models:/bench@champion``.
        tracking_uri: The tracking store the target is resolved against.
        inference_log: driftloop only: where inference logging writes, or None to turn it off.
        extra_args: More command-line arguments for the server.
        profile_out: driftloop only: run it under ``_serving_profile.py`` writing here.
        omp_threads: ``OMP_NUM_THREADS`` for the server (None: the libraries' default).
    """

    kind: str
    workers: int
    target: str
    tracking_uri: str
    inference_log: str | None = None
    extra_args: tuple[str, ...] = ()
    profile_out: Path | None = None
    omp_threads: int | None = None


def make_data(rows: int = 20_000, seed: int = 42) -> tuple[Any, Any]:
    """A synthetic binary classification set: a DataFrame of ``f0..f19`` and the labels."""
    import pandas as pd
    from sklearn.datasets import make_classification

    features, labels = make_classification(
        n_samples=rows,
        n_features=N_FEATURES,
        n_informative=10,
        n_redundant=4,
        random_state=seed,
    )
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(N_FEATURES)])
    return frame, labels


def train(frame: Any, labels: Any, *, max_iter: int = 100, seed: int = 42) -> Any:
    """Fit the benchmark's HistGradientBoostingClassifier."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=max_iter, random_state=seed).fit(frame, labels)


def quiet_mlflow() -> None:
    """Silence MLflow's telemetry, INFO logs and warnings before importing it."""
    import logging
    import warnings

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"mlflow(\..*)?")
    warnings.filterwarnings("ignore", category=FutureWarning)


def log_mlflow(model: Any, frame: Any, folder: Path) -> tuple[str, str]:
    """Log ``model`` with ``mlflow.sklearn.log_model``; return ``(model URI, tracking URI)``."""
    quiet_mlflow()
    import mlflow

    folder.mkdir(parents=True, exist_ok=True)
    tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    experiment_id = mlflow.create_experiment(
        "serving-bench", artifact_location=(folder / "artifacts").as_uri()
    )
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            input_example=frame.head(5),
            # MLflow 3.17 saves with skops and refuses HistGradientBoosting's tree nodes unless
            # they are named as trusted (we trained this model ourselves).
            skops_trusted_types=[HGB_TREE_TYPE],
        )
    return str(info.model_uri), tracking_uri


def log_driftloop(model: Any, frame: Any, labels: Any, folder: Path, *, alias: bool = True) -> int:
    """Log and register ``model`` as a version of ``bench``; optionally move ``champion`` to it.

    Returns:
        The new version number.
    """
    import driftloop

    driftloop.set_tracking_uri(str(folder))
    driftloop.set_experiment("serving-bench")
    with driftloop.start_run():
        info = driftloop.log_model(
            model, "model", training_data=frame, target=labels, registered_model_name=MODEL_NAME
        )
    if info.registered_version is None:
        raise RuntimeError("log_model registered no version")
    version = int(info.registered_version.version)
    if alias:
        client = driftloop.Client(str(folder))
        client.set_alias(MODEL_NAME, ALIAS, version)
        with contextlib.suppress(Exception):  # exists after the first call
            client.create_deployment(DEPLOYMENT, MODEL_NAME, champion_alias=ALIAS)
    return version


def driftloop_serve_help() -> str | None:
    """``driftloop serve --help`` of this checkout, or None while the command does not exist."""
    completed = subprocess.run(
        [str(BIN / "driftloop"), "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return completed.stdout if completed.returncode == 0 else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(spec: ServerSpec, port: int) -> list[str]:
    address = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(spec.workers)]
    if spec.kind == "mlflow":
        return [
            str(BIN / "mlflow"),
            "models",
            "serve",
            "-m",
            spec.target,
            "--env-manager",
            "local",
            *address,
            *spec.extra_args,
        ]
    logging = (
        ["--no-inference-log"]
        if spec.inference_log is None
        else ["--inference-log", spec.inference_log]
    )
    launcher = [str(BIN / "driftloop")]
    if spec.profile_out is not None:
        script = Path(__file__).resolve().parent / "_serving_profile.py"
        launcher = [sys.executable, str(script), str(spec.profile_out), "--"]
    return [
        *launcher,
        "--tracking-uri",  # a global option of the driftloop CLI
        spec.tracking_uri,
        "serve",
        spec.target,
        *address,
        *logging,
        *spec.extra_args,
    ]


def _ready_path(kind: str) -> str:
    return "/ping" if kind == "mlflow" else "/ready"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def running_server(spec: ServerSpec, log_folder: Path) -> Iterator[tuple[str, int]]:
    """Start the server, wait until it answers its readiness probe; yield ``(base URL, pid)``.

    The server runs in a new session (its own process group), so stopping it also stops the
    uvicorn workers it forks.

    Raises:
        RuntimeError: The server exited or was not ready within ``READY_TIMEOUT_S``; the
            message carries the tail of its log.
    """
    port = free_port()
    command = _command(spec, port)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # mlflow runs `uvicorn ...`
        "MLFLOW_TRACKING_URI": spec.tracking_uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    if spec.omp_threads is not None:
        env["OMP_NUM_THREADS"] = str(spec.omp_threads)
    log_path = log_folder / f"{spec.kind}-w{spec.workers}-{port}.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            _wait_ready(process, url + _ready_path(spec.kind), log_path, spec.kind)
            yield url, process.pid
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], probe: str, log_path: Path, kind: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(probe, timeout=2).status_code == 200:
                return
        if process.poll() is not None:
            raise RuntimeError(
                f"{kind} server exited with {process.returncode}:\n{_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{kind} server not ready after {READY_TIMEOUT_S:.0f} s:\n{_tail(log_path)}"
            )
        time.sleep(0.25)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # uvicorn workers may outlive their supervisor by a moment; make sure the group is gone.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def worker_pids(pid: int) -> list[int]:
    """The server's process and its descendants (for profiling with py-spy)."""
    found = [pid]
    index = 0
    while index < len(found):
        children = Path(f"/proc/{found[index]}/task/{found[index]}/children")
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in children.read_text().split())
        index += 1
    return found
