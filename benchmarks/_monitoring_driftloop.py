"""driftloop's side of the monitoring benchmark, run as its own process (project venv).

Two steps, each a separate process so that its peak memory is its own:

* ``profile REFERENCE.parquet PROFILE.json``: what training does once: read the reference,
  ``build_profile``, write the profile JSON.
* ``drift PROFILE.json CURRENT.parquet``: what monitoring does per window: read the profile
  and the window, ``compute_drift`` (``--repeat`` times; the first call is the figure
  compared, the best one is reported too).

Each prints one JSON object on stdout: timings (seconds), the peak resident memory of the
process (MiB, from ``VmHWM``), and for ``drift`` the flagged columns and every column's score.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _monitoring_data import Stopwatch, peak_rss_mib, read_frame, rss_mib


def profile_step(reference: Path, output: Path) -> dict[str, Any]:
    from driftloop.monitoring import build_profile

    baseline = rss_mib()
    watch = Stopwatch()
    frame = read_frame(reference)
    watch.lap("read_s")
    profile = build_profile(frame)
    watch.lap("profile_s")
    text = profile.to_json()
    output.write_text(text, encoding="utf-8")
    watch.lap("write_s")
    return {
        **watch.laps,
        "rows": len(frame),
        "profile_bytes": len(text.encode()),
        "rss_after_imports_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }


def drift_step(profile_path: Path, current: Path, repeat: int) -> dict[str, Any]:
    from driftloop.monitoring import DatasetProfile
    from driftloop.monitoring.drift import compute_drift

    baseline = rss_mib()
    watch = Stopwatch()
    profile = DatasetProfile.from_json(profile_path.read_text(encoding="utf-8"))
    watch.lap("profile_load_s")
    frame = read_frame(current)
    watch.lap("read_s")
    runs = []
    for _ in range(repeat):
        drift = compute_drift(profile, frame)
        runs.append(watch.lap("drift_s"))
    return {
        "profile_load_s": watch.laps["profile_load_s"],
        "read_s": watch.laps["read_s"],
        "drift_s": runs[0],  # the first call, cold, as Evidently's single run is
        "drift_best_s": min(runs),
        "rows": len(frame),
        "flagged": sorted(drift.drifted_columns),
        "scores": {c.column: c.score for c in drift.columns},
        "methods": sorted({str(c.method) for c in drift.columns}),
        "verdict": str(drift.verdict),
        "rss_after_imports_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    profile = steps.add_parser("profile")
    profile.add_argument("reference", type=Path)
    profile.add_argument("output", type=Path)
    drift = steps.add_parser("drift")
    drift.add_argument("profile", type=Path)
    drift.add_argument("current", type=Path)
    drift.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.step == "profile":
        result = profile_step(args.reference, args.output)
    else:
        result = drift_step(args.profile, args.current, args.repeat)
    import driftloop

    result["versions"] = _versions(driftloop=driftloop.__version__)
    print(json.dumps(result))
    return 0


def _versions(**extra: str) -> dict[str, str]:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    return {"pandas": pd.__version__, "numpy": np.__version__, "pyarrow": pa.__version__, **extra}


if __name__ == "__main__":
    sys.exit(main())
