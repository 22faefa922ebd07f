"""Models benchmark: reference profile build, signature-enforcement overhead, load time per flavor.

Run from the repository root (MLflow 3.17.2 is in the test extra, so the project venv has it)::

    .venv/bin/python benchmarks/models.py [--quick] [--strict]

1. ``profile``: ``build_profile`` time and peak traced memory at 100k and 1M rows x 50 columns
   (numeric-only and 40 numeric + 10 categorical). Target: 1M x 50 numeric under 3 s.
   No peer builds the same sketch; MLflow has none, Evidently is not installed here.
2. ``predict``: ``LoadedModel.predict`` (signature enforced) against calling the raw
   scikit-learn estimator it wraps, on 1 and 1,000 rows, and MLflow's ``pyfunc`` ``predict``
   (which enforces its schema too) against its own raw model, timed round-robin. The overhead
   column is each tool's cost on top of its raw model. Target: under 10% at 1,000 rows.
3. ``load``: median time to load a small model of each flavor from a local directory, driftloop
   against the matching ``mlflow.<flavor>.load_model``.

Results: the table on stdout, JSON and Markdown in ``benchmarks/.out/models.{json,md}``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driftloop
from _common import (
    Figure,
    Report,
    base_environment,
    console,
    render,
    render_markdown,
    time_once,
    write_json,
)
from driftloop.models import save_model
from profile_bench import bench_profile

OUT = Path(__file__).resolve().parent / ".out"
PROFILE_TARGET_S = 3.0
OVERHEAD_TARGET = 0.10
TREE_TYPES = ["sklearn.tree._tree.Tree"]  # MLflow needs them named; driftloop checks the trees


def profile_figures(report: Report, quick: bool) -> None:
    sizes = [100_000] if quick else [100_000, 1_000_000]
    for rows in sizes:
        for mixed in (False, True):
            result = bench_profile(rows, 50, mixed=mixed)
            kind = "40 num + 10 cat" if mixed else "50 numeric"
            size = f"{rows // 1000}k x 50"
            target = rows == 1_000_000 and not mixed
            seconds = result["seconds"]
            report.figures.append(
                Figure(
                    "build_profile",
                    kind,
                    size,
                    "seconds",
                    seconds,
                    None,
                    higher_is_better=False,
                    target=f"< {PROFILE_TARGET_S:.0f} s" if target else "",
                    passed=(seconds < PROFILE_TARGET_S) if target else None,
                )
            )
            report.figures.append(
                Figure("build_profile", kind, size, "peak MB", result["peak_mb"], None, False)
            )


def _frame(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {f"f{i}": rng.normal(size=rows) for i in range(20)}
        | {f"n{i}": rng.integers(0, 100, rows) for i in range(5)}
    )
    target = (frame["f0"] + frame["f1"] > 0).astype(int).to_numpy()
    return frame, target


def predict_figures(report: Report, scratch: Path, quick: bool) -> None:
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    train, target = _frame(5_000)
    estimators: dict[str, Any] = {
        "LogisticRegression": LogisticRegression(max_iter=1000),
        "RandomForest(50)": RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0),
    }
    reps = 50 if quick else 200
    for label, estimator in estimators.items():
        estimator.fit(train, target)
        ours_dir = scratch / f"dl-{label}"
        save_model(estimator, ours_dir, training_data=train, target=target)
        ours = driftloop.load_model(ours_dir)
        theirs_dir = scratch / f"mlflow-{label}"
        mlflow.sklearn.save_model(
            estimator,
            str(theirs_dir),
            signature=infer_signature(train, estimator.predict(train)),
            serialization_format="skops",
            skops_trusted_types=TREE_TYPES,
        )
        theirs = mlflow.pyfunc.load_model(str(theirs_dir))
        theirs_raw = theirs.get_raw_model()
        for rows in (1, 1000):
            batch, _ = _frame(rows, seed=rows)
            # Each side against the very estimator object it wraps (a skops-loaded copy can
            # differ in memory layout from the in-memory one), timed in interleaved rounds.
            times = _interleaved(
                {
                    "raw": lambda b=batch, m=ours.raw: m.predict(b),
                    "dl": lambda b=batch, m=ours: m.predict(b),
                    "ml_raw": lambda b=batch, m=theirs_raw: m.predict(b),
                    "ml": lambda b=batch, m=theirs: m.predict(b),
                },
                reps,
            )
            raw, dl, ml = times["raw"], times["dl"], times["ml"]
            overhead = (dl - raw) / raw
            overhead_ml = (ml - times["ml_raw"]) / times["ml_raw"]
            gated = rows == 1000
            report.figures.append(
                Figure(
                    f"predict overhead vs raw ({label})",
                    "sklearn",
                    f"{rows} rows",
                    "overhead %",
                    overhead * 100,
                    None,  # a ratio of two small percentages means nothing; MLflow's is a note
                    higher_is_better=False,
                    target=f"< {OVERHEAD_TARGET:.0%}" if gated else "",
                    passed=(overhead < OVERHEAD_TARGET) if gated else None,
                )
            )
            report.figures.append(
                Figure(f"predict ({label})", "sklearn", f"{rows} rows", "median ms", dl, ml, False)
            )
            report.notes.append(
                f"{label}, {rows} rows: raw predict {raw:.3f} ms median; MLflow pyfunc adds "
                f"{overhead_ml:.0%} on its own raw model"
            )


def _interleaved(fns: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Median ms of each callable, timed round-robin so machine noise hits all alike."""
    for _ in range(5):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            samples[name].append(time_once(fn) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


TORCH_KWARGS = {"n_inputs": 25, "hidden": 32}


def _torch_model() -> Any:
    import torch

    from _nets import MLP

    torch.manual_seed(0)
    return MLP(**TORCH_KWARGS)


def _flavor_models(
    train: pd.DataFrame, target: np.ndarray
) -> dict[str, tuple[Any, Callable[..., Any]]]:
    """flavor -> (fitted model, the mlflow module's save_model)."""
    import lightgbm
    import mlflow.lightgbm
    import mlflow.pytorch
    import mlflow.sklearn
    import mlflow.xgboost
    import xgboost
    from sklearn.ensemble import RandomForestClassifier

    return {
        "sklearn": (
            RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0).fit(train, target),
            lambda m, p: mlflow.sklearn.save_model(
                m, p, serialization_format="skops", skops_trusted_types=TREE_TYPES
            ),
        ),
        "xgboost": (
            xgboost.XGBClassifier(n_estimators=50, max_depth=4).fit(train, target),
            mlflow.xgboost.save_model,
        ),
        "lightgbm": (
            lightgbm.train(
                {"objective": "binary", "verbose": -1}, lightgbm.Dataset(train, target), 50
            ),
            mlflow.lightgbm.save_model,
        ),
        "pytorch": (
            _torch_model(),
            lambda m, p: mlflow.pytorch.save_model(
                m, p, input_example=train.to_numpy(dtype=np.float32)[:5]
            ),
        ),
    }


def load_figures(report: Report, scratch: Path, quick: bool) -> None:
    import mlflow.lightgbm
    import mlflow.pytorch
    import mlflow.sklearn
    import mlflow.xgboost

    loaders = {
        "sklearn": mlflow.sklearn.load_model,
        "xgboost": mlflow.xgboost.load_model,
        "lightgbm": mlflow.lightgbm.load_model,
        "pytorch": mlflow.pytorch.load_model,
    }
    train, target = _frame(2_000)
    reps = 5 if quick else 20
    for flavor, (model, mlflow_save) in _flavor_models(train, target).items():
        ours_dir = scratch / f"load-dl-{flavor}"
        example = train.to_numpy(dtype=np.float32) if flavor == "pytorch" else train
        options = {"init_kwargs": TORCH_KWARGS} if flavor == "pytorch" else None
        save_model(model, ours_dir, input_example=example[:5], flavor_options=options)
        theirs_dir = str(scratch / f"load-mlflow-{flavor}")
        mlflow_save(model, theirs_dir)
        trusted = flavor == "pytorch"  # a user class: building it runs its __init__
        times = _interleaved(
            {
                "dl": lambda d=ours_dir, t=trusted: driftloop.load_model(d, trusted=t),
                "ml": lambda d=theirs_dir, f=flavor: loaders[f](d),
            },
            reps,
        )
        report.figures.append(
            Figure(
                "load_model", flavor, "small model", "median ms", times["dl"], times["ml"], False
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows only, fewer repetitions")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    parser.add_argument("--sections", default="profile,predict,load")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    warnings.filterwarnings("ignore")  # library deprecation chatter would drown the table
    report = Report(title="driftloop models vs MLflow 3.17.2 (same process, same models)")
    report.environment = base_environment()
    report.command = " ".join(sys.argv)
    with tempfile.TemporaryDirectory(prefix="driftloop-bench-models-") as tmp:
        scratch = Path(tmp)
        if "profile" in sections:
            console.print("[bold]profile[/]")
            profile_figures(report, args.quick)
        if "predict" in sections:
            console.print("[bold]predict[/]")
            predict_figures(report, scratch, args.quick)
        if "load" in sections:
            console.print("[bold]load[/]")
            load_figures(report, scratch, args.quick)
    console.print(render(report))
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(f"environment: {report.environment}", highlight=False)
    write_json(report, OUT / "models.json")
    (OUT / "models.md").write_text(render_markdown(report), encoding="utf-8")
    failed = any(f.passed is False for f in report.figures)
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
