"""``driftloop monitor report`` on any two datasets: a shifted column is reported as drifted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftloop.monitoring.profile import build_profile


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftloop.cli.main", "monitor", "report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def _frame(rows: int, seed: int, *, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50 + shift, 10, rows),
            "age": rng.integers(18, 80, rows),
            "city": rng.choice(["paris", "lyon", "nice"], rows),
            "score": rng.random(rows),
        }
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    reference = _frame(3000, seed=1)
    reference.to_parquet(root / "ref.parquet")
    reference.to_csv(root / "ref.csv", index=False)
    profile = build_profile(reference.drop(columns=["score"]), predictions=reference["score"])
    (root / "profile.json").write_text(profile.to_json(), encoding="utf-8")
    current = _frame(800, seed=2, shift=15.0)
    current.to_parquet(root / "cur.parquet")
    current.to_csv(root / "cur.csv", index=False)
    return root


@pytest.mark.parametrize(
    ("reference", "current"),
    [("ref.parquet", "cur.parquet"), ("ref.csv", "cur.csv"), ("profile.json", "cur.parquet")],
)
def test_the_report_lists_the_shifted_column(data: Path, reference: str, current: str) -> None:
    stem = reference.replace(".", "-")
    done = _cli(
        data,
        "--reference",
        reference,
        "--current",
        current,
        "-o",
        f"{stem}.html",
        "--json",
        f"{stem}.json",
        "--prediction-column",
        "score",
    )
    assert done.returncode == 0, done.stderr
    assert "verdict: drift" in done.stdout
    assert f"wrote {stem}.html" in done.stdout
    assert f"wrote {stem}.json" in done.stdout
    report = json.loads((data / f"{stem}.json").read_text(encoding="utf-8"))
    assert report["format_version"] == 1
    assert report["summary"]["verdict"] == "drift"
    assert report["summary"]["drifted_columns"] == ["income"]
    assert report["columns"][0]["column"] == "income"
    assert {row["column"] for row in report["columns"]} == {"income", "age", "city"}
    assert report["prediction"]["drifted"] is False
    html = (data / f"{stem}.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert ">income</a>" in html
    assert "http://" not in html
    assert "https://" not in html


def test_the_html_report_is_the_default_output(data: Path) -> None:
    done = _cli(data, "--reference", "ref.csv", "--current", "ref.csv")
    assert done.returncode == 0, done.stderr
    assert "verdict: no_drift" in done.stdout
    assert "No drift" in (data / "drift-report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reference", "missing.parquet", "--current", "cur.csv"], "reference: no file"),
        (["--reference", "ref.txt", "--current", "cur.csv"], "must be a .parquet or .csv"),
        (["--reference", "ref.csv", "--current", "profile.json"], "current must be a .parquet"),
        (["--reference", "cur.csv", "--current", "ref.txt", "--json", "r.json"], "current must"),
        (["--reference", "ref.csv", "--current", "cur.csv", "-o", "r.pdf"], "must end in .html"),
        (
            ["--reference", "ref.csv", "--current", "cur.csv", "--prediction-column", "nope"],
            "no prediction column 'nope'",
        ),
        (["--reference", "broken.parquet", "--current", "cur.csv"], "not a readable parquet"),
        (["--reference", "broken.json", "--current", "cur.csv"], "not valid JSON"),
    ],
)
def test_bad_inputs_are_clean_errors(data: Path, args: list[str], message: str) -> None:
    (data / "ref.txt").write_text("x\n1\n", encoding="utf-8")
    (data / "broken.parquet").write_text("not parquet", encoding="utf-8")
    (data / "broken.json").write_text("{", encoding="utf-8")
    done = _cli(data, *args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert message in " ".join(done.stderr.split())
