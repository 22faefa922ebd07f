"""Evidently's side of the monitoring benchmark, run as its own process in its own venv.

Evidently 0.7 does not import with pandas 3, so this script runs under the interpreter of
``benchmarks/.venv-evidently`` (``evidently==0.7.23``, ``pandas<3``); it imports nothing from
driftloop. Usage::

    python _monitoring_evidently.py REFERENCE.parquet CURRENT.parquet \\
        --numerical a,b --categorical c

It reads both files, gives Evidently the column types explicitly (``DataDefinition``), runs
``Report([DataDriftPreset()], include_tests=True)`` on current vs reference (the tests carry
Evidently's own per-column verdict; they cost nothing next to the drift computation) and
prints one JSON object: timings (seconds), peak resident memory (MiB, ``VmHWM``), the flagged
columns, each column's score and method, and Evidently's drifted-columns count.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently's telemetry switch

from _monitoring_data import Stopwatch, peak_rss_mib, read_frame, rss_mib

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COUNT = "evidently:metric_v2:DriftedColumnsCount"


def run(
    reference: Path, current: Path, numerical: list[str], categorical: list[str]
) -> dict[str, Any]:
    import warnings

    warnings.filterwarnings("ignore")  # Evidently's deprecation chatter is not our output
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    baseline = rss_mib()
    watch = Stopwatch()
    reference_frame = read_frame(reference)
    current_frame = read_frame(current)
    watch.lap("read_s")
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        Dataset.from_pandas(current_frame, data_definition=definition),
        Dataset.from_pandas(reference_frame, data_definition=definition),
    )
    watch.lap("drift_s")
    result = snapshot.dict()
    watch.lap("result_s")
    return {
        **watch.laps,
        "rows": len(current_frame),
        **_read_result(result),
        "rss_after_imports_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }


def _read_result(result: dict[str, Any]) -> dict[str, Any]:
    scores: dict[str, float] = {}
    methods: set[str] = set()
    count = None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"] == VALUE_DRIFT:
            scores[config["column"]] = float(metric["value"])
            methods.add(str(config.get("method")))
        elif config["type"] == DRIFTED_COUNT:
            count = int(metric["value"]["count"])
    flagged = sorted(
        test["metric_config"]["params"]["column"]
        for test in result["tests"]
        if test["metric_config"]["params"]["type"] == VALUE_DRIFT and test["status"] == "FAIL"
    )
    return {"flagged": flagged, "scores": scores, "methods": sorted(methods), "count": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path)
    parser.add_argument("current", type=Path)
    parser.add_argument("--numerical", default="", help="Comma-separated numerical columns.")
    parser.add_argument("--categorical", default="", help="Comma-separated categorical columns.")
    args = parser.parse_args()
    result = run(
        args.reference,
        args.current,
        [c for c in args.numerical.split(",") if c],
        [c for c in args.categorical.split(",") if c],
    )
    import evidently
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    result["versions"] = {
        "evidently": evidently.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
