"""Loop benchmark: does continuous training help? driftloop's CT decisions on drifting streams.

Run from the repository root::

    .venv/bin/python benchmarks/loop.py            # 4 streams x 55k rows, ~1.5 min
    .venv/bin/python benchmarks/loop.py --quick    # 4 streams x 25k rows, ~50 s
    .venv/bin/python benchmarks/loop.py --streams abrupt,none --seed 7

Streams (``_loop_streams.py``): river's synthetic generators, seeded, one row per second:
abrupt (Agrawal, concept only), gradual (RandomRBF, a 10,000-row transition), recurring
(RandomRBF A -> B -> A) and none (no change). The first 5,000 rows are the history the
first model is trained on; the rest is replayed in batches of 100 rows. Each row is answered
by the model in force before its label is known (prequential); labels arrive 1,000 rows
later.

Strategies: static (never retrains), schedule (retrains every 4,000 rows; also every 2,000,
8,000 and 16,000 rows, in the tables only), oracle (retrains
right after each true change), and driftloop with three policies (``_loop_policy.py``):
the default policy, a tuned one, and a fast one (tuned's rollout, margin 0). driftloop's
strategies make every decision with driftloop's own code (``evaluate_triggers``,
``compute_drift``, ``evaluate_gates``, ``start_rollout``/``decide_rollout``) on inputs
built as the controller builds them (``_loop_driftloop.py``); serving, the inference log
and the stores are replaced by arrays.

Targets (the issue's), judged for every driftloop strategy: on drifting streams at least
80% of the static-oracle accuracy gap recovered; zero false triggers on the no-drift stream;
fewer retrainings than any fixed schedule (every 2,000, 4,000, 8,000 or 16,000 rows) that is at
least as accurate (the comparison with the 4,000-row schedule alone is shown too).
``--strict`` exits 1 when the default-policy strategy (the issue's) misses one.

Results: the tables on stdout, JSON and Markdown in ``benchmarks/.out/loop.{json,md}``,
one accuracy-over-time SVG per stream in ``docs/img/loop-<stream>.svg`` (``--quick``:
``benchmarks/.out/img``).
"""

from __future__ import annotations

import os

# Before scikit-learn loads: its OpenMP threads fight over 2 shared cores otherwise.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _loop_baselines import Oracle, Schedule, Static
from _loop_driftloop import Driftloop
from _loop_metrics import Figures, figures, rolling_accuracy, with_gaps
from _loop_policy import VARIANTS
from _loop_replay import Settings, StrategyResult, first_version, run_strategy
from _loop_report import (
    Results,
    console,
    judge,
    render_markdown,
    render_stream,
    render_targets,
    tradeoff,
    write,
)
from _loop_streams import FULL, QUICK, RECIPES, Layout, Stream, make_stream
from _loop_svg import accuracy_chart

HERE = Path(__file__).resolve().parent
OUT = HERE / ".out"
DOCS_IMG = HERE.parent / "docs" / "img"
SWEEP_PERIODS = (2_000, 8_000, 16_000)
"""Schedule periods (rows) run beside the 4,000-row schedule, for the trade-off table."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="25k-row streams (a smoke test).")
    parser.add_argument("--streams", default=",".join(RECIPES), help=f"Among {', '.join(RECIPES)}.")
    parser.add_argument("--seed", type=int, default=42, help="Seeds the streams and routing.")
    parser.add_argument("--json", type=Path, default=OUT / "loop.json")
    parser.add_argument("--img-dir", type=Path, help="Where the SVG charts go.")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when the default policy misses a target"
    )
    args = parser.parse_args(argv)
    args.stream_names = [name.strip() for name in args.streams.split(",") if name.strip()]
    unknown = [name for name in args.stream_names if name not in RECIPES]
    if unknown:
        parser.error(f"unknown stream(s) {', '.join(unknown)}; use {', '.join(RECIPES)}")
    if args.img_dir is None:
        args.img_dir = OUT / "img" if args.quick else DOCS_IMG
    return args


def run_stream(
    stream: Stream, settings: Settings, results: Results, img_dir: Path | None
) -> list[Figures]:
    """Every strategy on one stream; figures, and the chart when ``img_dir`` is set."""
    base = VARIANTS[0].policy()
    first = first_version(stream, base)
    runs: list[StrategyResult] = []
    timings: dict[str, float] = {}
    strategies: list[Any] = [
        Static(stream, settings, base, first),
        Schedule(stream, settings, base, first),
        Oracle(stream, settings, base, first),
    ]
    # Other schedule periods (tables only): where driftloop sits on the retrainings-versus-
    # accuracy trade-off of fixed schedules, not just against the 4,000-row one.
    strategies += [Schedule(stream, settings, base, first, every=every) for every in SWEEP_PERIODS]
    strategies += [
        Driftloop(
            stream,
            settings,
            variant.policy(),
            first,
            name=variant.name,
        )
        for variant in VARIANTS
    ]
    for strategy in strategies:
        started = time.perf_counter()
        runs.append(run_strategy(strategy))
        timings[strategy.name] = round(time.perf_counter() - started, 2)
        console.print(
            f"  {strategy.name}: accuracy {runs[-1].correct.mean():.4f}, "
            f"{len(runs[-1].trainings)} retraining(s), {timings[strategy.name]:.1f} s",
            highlight=False,
        )
    found = with_gaps([figures(stream, run, settings.recovery) for run in runs])
    results.streams[stream.name] = {
        "description": stream.description,
        "rows": stream.rows,
        "initial": stream.initial,
        "changes": [
            {"position": c.position, "width": c.width, "start": c.start, "end": c.end}
            for c in stream.changes
        ],
        "first_model_validation": {k: round(v, 4) for k, v in first.validation_metrics.items()},
        "seconds": timings,
        "rolling_accuracy": {
            run.name: [round(float(v), 4) for v in rolling_accuracy(run.correct)] for run in runs
        },
    }
    if img_dir is not None:
        img_dir.mkdir(parents=True, exist_ok=True)
        svg = accuracy_chart(
            stream,
            {
                run.name: rolling_accuracy(run.correct)
                for run in runs
                if not run.name.startswith("schedule-")
            },
            {run.name: run.triggers for run in runs if run.name.startswith("driftloop")},
            title=f"{stream.name}: {stream.description}",
        )
        (img_dir / f"loop-{stream.name}.svg").write_text(svg, encoding="utf-8")
    return found


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    import numpy as np
    import pandas as pd
    import sklearn

    import driftloop

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "driftloop": driftloop.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "river": version("river"),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    layout: Layout = QUICK if args.quick else FULL
    settings = Settings(seed=args.seed, recovery=8_000 if args.quick else 10_000)
    results = Results(command=" ".join(["benchmarks/loop.py", *sys.argv[1:]]))
    results.environment = environment()
    results.settings = {
        "layout": {"initial": layout.initial, "replay": layout.replay},
        "batch": settings.batch,
        "label_delay": settings.label_delay,
        "monitor_every": settings.monitor_every,
        "monitor_rows": settings.monitor_rows,
        "schedule_every": settings.schedule_every,
        "recovery": settings.recovery,
        "seed": args.seed,
    }
    results.policies = {variant.name: variant.yaml for variant in VARIANTS}
    started = time.perf_counter()
    img_dir = None if args.no_plots else args.img_dir
    for name in args.stream_names:
        console.print(f"[bold]{name}[/]: generating {layout.total:,} rows", highlight=False)
        stream = make_stream(name, layout, args.seed)
        results.figures += run_stream(stream, settings, results, img_dir)
    drifting = [name for name in args.stream_names if RECIPES[name].changes(layout)]
    for variant in VARIANTS:
        results.targets += judge(results.figures, variant.name, drifting)
    for name, info in results.streams.items():
        found = [f for f in results.figures if f.stream == name]
        console.print(render_stream(name, info["description"], found))
    console.print(render_targets(results.targets))
    for line in tradeoff(results.figures, VARIANTS[0].name):
        console.print(f"trade-off  {line}", highlight=False)
        results.notes.append(f"trade-off: {line}")
    results.notes.append(f"wall time {time.perf_counter() - started:.1f} s")
    markdown = render_markdown(results)
    write(results, args.json, markdown)
    console.print(f"environment: {results.environment}", highlight=False)
    console.print(f"raw results: {args.json} (and .md); charts: {img_dir}", highlight=False)
    return 1 if args.strict and results.failed(VARIANTS[0].name) else 0


if __name__ == "__main__":
    sys.exit(main())
