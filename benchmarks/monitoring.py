"""Monitoring benchmark: driftloop's drift against Evidently's ``DataDriftPreset``, one run.

Run from the repository root::

    .venv/bin/python benchmarks/monitoring.py            # 200k x 25 and 1M x 50, ~15 min
    .venv/bin/python benchmarks/monitoring.py --quick    # 20k x 25 and 100k x 50, ~1 min
    .venv/bin/python benchmarks/monitoring.py --sizes 200k --only driftloop

Data (``_monitoring_data.py``, seeded numpy): a reference and a current frame of the same
size, written as parquet to a temporary folder: 200k rows x (20 numeric + 5 categorical) with
a mean shift, a scale change and re-weighted + new categories on three columns, and 1M rows x
(45 numeric + 5 categorical) with four shifted columns (mean, scale, heavier tail,
categories). Every other column is an independent draw from the same distribution.

Each side runs in its own process, one at a time, so that each process's peak resident
memory (``VmHWM``) is its own:

* driftloop (project venv): ``build_profile`` on the reference, once, as training does,
  written as profile JSON (timed, not compared); then a fresh process reads the profile and
  the current parquet and runs ``compute_drift(profile, current)``.
* Evidently 0.7.23 (``benchmarks/.venv-evidently``, pandas < 3, since Evidently 0.7 does not
  import with pandas 3): reads both parquet files and runs ``Report([DataDriftPreset()])`` on
  current vs the raw reference, with the column types given explicitly
  (``DataDefinition(numerical_columns=..., categorical_columns=...)``). The venv is created on
  first use; ``--evidently-python`` reuses another interpreter; if it cannot be installed the
  peer is skipped with a note.

Compared: the drift call with the data in memory (``compute_drift`` vs ``Report.run``, both
cold, first call in the process), the same plus reading the parquet, the process's peak RSS,
and which columns each flagged against the constructed shift. Targets at 1M x 50: >= 50x
faster than Evidently, <= 1/4 of its peak memory, ``compute_drift`` under 2 s; at every
size both flag exactly the shifted columns. ``--strict`` exits 1 when a target FAILs.

Results: the table on stdout, JSON and Markdown in ``benchmarks/.out/monitoring.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _monitoring_data import SIZES, Size, write_case
from _monitoring_report import (
    Results,
    case_rows,
    console,
    render,
    render_markdown,
    score_rows,
    write,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / ".out"
EVIDENTLY_VENV = HERE / ".venv-evidently"
EVIDENTLY_REQUIREMENTS = ("evidently==0.7.23", "pandas<3", "pyarrow")
CHILD_TIMEOUT_S = 3 * 3600


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes only (20k, 100k).")
    parser.add_argument(
        "--sizes", help=f"Comma-separated sizes among {', '.join(SIZES)} (default 200k,1m)."
    )
    parser.add_argument("--only", choices=["driftloop", "evidently"], help="Run one side only.")
    parser.add_argument(
        "--evidently-python",
        type=Path,
        help=f"An interpreter with Evidently 0.7 (default: {EVIDENTLY_VENV.name}, created "
        "on first use).",
    )
    parser.add_argument("--repeat", type=int, default=3, help="compute_drift calls per size.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, help="Keep the parquet files here.")
    parser.add_argument("--json", type=Path, default=OUT / "monitoring.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    args = parser.parse_args(argv)
    chosen = args.sizes or ("20k,100k" if args.quick else "200k,1m")
    args.size_list = [SIZES[name.strip().lower()] for name in chosen.split(",") if name.strip()]
    return args


def evidently_python(requested: Path | None, notes: list[str]) -> Path | None:
    """An interpreter that imports Evidently, creating the venv on first use, or None."""
    if requested is not None:
        python = requested
    else:
        python = EVIDENTLY_VENV / "bin" / "python"
        if not python.exists():
            console.print(
                f"creating {EVIDENTLY_VENV} with "
                f"{' '.join(EVIDENTLY_REQUIREMENTS)} (once; a minute or two)",
                highlight=False,
            )
            log = _create_venv()
            if log is not None:
                notes.append(f"Evidently skipped: its venv could not be created ({log})")
                return None
    try:
        probe = subprocess.run(
            [str(python), "-c", "import evidently, pandas; print(evidently.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        notes.append(f"Evidently skipped: cannot run {python} ({error.strerror})")
        return None
    if probe.returncode != 0:
        tail = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        notes.append(f"Evidently skipped: {python} cannot import it ({tail})")
        return None
    return python


def _create_venv() -> str | None:
    """Create the Evidently venv; None on success, else where to read why it failed."""
    log_path = EVIDENTLY_VENV.parent / ".out" / "evidently-install.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        for command in (
            [sys.executable, "-m", "venv", str(EVIDENTLY_VENV)],
            [
                str(EVIDENTLY_VENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                *EVIDENTLY_REQUIREMENTS,
            ],
        ):
            if subprocess.run(command, stdout=log, stderr=log, check=False).returncode != 0:
                return f"see {log_path}"
    return None


def run_child(command: list[str], label: str, notes: list[str]) -> dict[str, Any] | None:
    """Run one side's process and parse its JSON line; None (and a note) when it fails."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False, timeout=CHILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        notes.append(f"{label}: timed out after {CHILD_TIMEOUT_S} s")
        return None
    wall = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        notes.append(f"{label}: exited {done.returncode}: {tail}")
        return None
    result: dict[str, Any] = json.loads(lines[-1])
    result["process_wall_s"] = wall
    return result


def run_case(
    size: Size, folder: Path, args: argparse.Namespace, peer: Path | None, results: Results
) -> list[list[str]]:
    console.print(f"[bold]{size.label}[/]: writing reference and current parquet", highlight=False)
    started = time.perf_counter()
    reference, current = write_case(size, folder, args.seed)
    console.print(f"  data written in {time.perf_counter() - started:.1f} s", highlight=False)
    expected = sorted(size.shifts)
    case: dict[str, Any] = {
        "rows": size.rows,
        "numeric_columns": size.numeric,
        "categorical_columns": size.categorical,
        "shifts": size.shifts,
        "parquet_mib": {
            "reference": reference.stat().st_size / 2**20,
            "current": current.stat().st_size / 2**20,
        },
    }
    profile = drift = evidently = None
    if args.only != "evidently":
        script = str(HERE / "_monitoring_driftloop.py")
        profile_json = folder / "profile.json"
        console.print("  driftloop: build_profile on the reference", highlight=False)
        profile = run_child(
            [sys.executable, script, "profile", str(reference), str(profile_json)],
            f"{size.label} driftloop profile",
            results.notes,
        )
        if profile is not None:
            console.print(f"  driftloop: compute_drift x{args.repeat}", highlight=False)
            drift = run_child(
                [
                    sys.executable,
                    script,
                    "drift",
                    str(profile_json),
                    str(current),
                    "--repeat",
                    str(args.repeat),
                ],
                f"{size.label} driftloop drift",
                results.notes,
            )
    if peer is not None:
        console.print(
            "  Evidently: Report([DataDriftPreset()]).run(current, reference)", highlight=False
        )
        evidently = run_child(
            [
                str(peer),
                str(HERE / "_monitoring_evidently.py"),
                str(reference),
                str(current),
                "--numerical",
                ",".join(size.numeric_columns),
                "--categorical",
                ",".join(size.categorical_columns),
            ],
            f"{size.label} Evidently",
            results.notes,
        )
    case |= {"driftloop_profile": profile, "driftloop_drift": drift, "evidently": evidently}
    results.cases[size.name] = case
    results.rows += case_rows(size.label, size.name, expected, profile, drift, evidently)
    _print_case(size, drift, evidently)
    return score_rows(size.label, expected, drift, evidently)


def _print_case(size: Size, drift: dict[str, Any] | None, evidently: dict[str, Any] | None) -> None:
    for name, side in (("driftloop", drift), ("Evidently", evidently)):
        if side is None:
            continue
        console.print(
            f"  = {name}: drift {side['drift_s']:.3f} s, read {side['read_s']:.2f} s, "
            f"peak RSS {side['peak_rss_mib']:,.0f} MiB, "
            f"flagged {', '.join(side['flagged']) or 'none'} "
            f"(shifted: {', '.join(sorted(size.shifts))})",
            highlight=False,
        )


def environment(peer: Path | None) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    import driftloop

    found: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "driftloop": driftloop.__version__,
        "driftloop_side": {
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
        },
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }
    if peer is not None:
        found["evidently_python"] = str(peer)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = Results(command=" ".join(["benchmarks/monitoring.py", *sys.argv[1:]]))
    peer = (
        None if args.only == "driftloop" else evidently_python(args.evidently_python, results.notes)
    )
    results.environment = environment(peer)
    scores: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="driftloop-bench-monitoring-") as tmp:
        root = args.data_dir or Path(tmp)
        for size in args.size_list:
            scores += run_case(size, root / size.name, args, peer, results)
    peer_versions = [c["evidently"]["versions"] for c in results.cases.values() if c["evidently"]]
    if peer_versions:
        results.environment["evidently_side"] = peer_versions[0]
    console.print(render(results))
    markdown = render_markdown(results, scores)
    console.print(markdown, highlight=False, markup=False)
    for note in results.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(f"environment: {results.environment}", highlight=False)
    write(results, args.json, markdown)
    console.print(f"raw results: {args.json} (and .md)", highlight=False)
    return 1 if (args.strict and results.failed) else 0


if __name__ == "__main__":
    sys.exit(main())
