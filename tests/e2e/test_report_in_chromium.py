"""The drift report opened in a real Chromium (Debian's, driven by Playwright): it renders
its charts, asks for nothing over the network and logs no console error. Both kinds: two
datasets, and a deployment's report with its series over recorded monitoring runs."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from tests.integration.monitoring.concept import ROWS, tracking_with_model, write_log

from driftloop.monitoring.drift import compute_drift
from driftloop.monitoring.monitor_run import deployment_report, monitor_deployment
from driftloop.monitoring.profile import build_profile
from driftloop.monitoring.report import DriftReport
from driftloop.store.sql import open_sql_stores

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = os.environ.get("DRIFTLOOP_SCREENSHOTS")
"""A folder to keep the screenshots in (to look at them); unset, they are only checked."""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it, the browser tests must run in CI")
        pytest.skip(reason)
    return found


def test_the_report_renders_in_chromium(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {
            "age": rng.normal(40, 10, 4000),
            "income": rng.lognormal(10, 0.5, 4000),
            "city": rng.choice(["paris", "lyon", "nice"], 4000),
        }
    )
    current = pd.DataFrame(
        {
            "age": rng.normal(40, 10, 2000),
            "income": rng.lognormal(10.5, 0.5, 2000),
            "city": rng.choice(["paris", "lyon", "nice", "marseille"], 2000),
        }
    )
    drift = compute_drift(build_profile(reference), current)
    path = DriftReport(drift).save(tmp_path / "report.html")

    def check(page: Page) -> None:
        assert "Drift detected" in page.inner_text("body")
        assert page.locator("svg").count() >= 3  # one chart per column
        bars = page.locator("svg rect").count()
        assert bars > 20
        visible = page.locator("svg").first.bounding_box()
        assert visible is not None
        assert visible["width"] > 100
        assert visible["height"] > 50

    _open_in_chromium(path, check, "datasets-report.png")


def test_a_deployment_report_renders_its_series_in_chromium(tmp_path: Path) -> None:
    tracking = tracking_with_model(tmp_path / "tracking", ("drifting",))
    stores = open_sql_stores(
        f"sqlite:///{tracking.root / 'driftloop.db'}",
        default_artifact_root=(tracking.root / "artifacts").as_uri(),
    )
    runs, chunk = 6, ROWS // 6
    start = int(time.time() * 1000) - (ROWS + 120) * 1000
    try:
        for part in range(runs):
            wrong = 0.05 if part < runs // 2 else 0.4
            write_log(
                tracking,
                "drifting",
                before=wrong,
                after=wrong,
                rows=chunk,
                seed=part,
                start_ms=start + part * chunk * 1000,
            )
            result = monitor_deployment(
                tracking.client,
                "drifting",
                tracking.log_root,
                last_rows=2 * chunk,
                store=stores.monitoring,
            )
        path = deployment_report(result, stores.monitoring, since_ms=start).save(
            tmp_path / "deployment.html"
        )
    finally:
        stores.close()

    def check(page: Page) -> None:
        text = page.inner_text("body")
        assert "drifting: champion v1" in text
        for title in ("drifted share", "drift score: f0", "accuracy", "change points"):
            assert title in text
        lines = page.locator("svg polyline")
        assert lines.count() >= 8  # drifted share, 5 drift scores, 2 metrics, change points
        for index in range(lines.count()):
            box = lines.nth(index).bounding_box()
            assert box is not None
            assert box["width"] > 200  # a line across the chart, not a dot
        assert page.locator("svg circle").count() >= 8 * runs
        chart = page.locator("svg:has(polyline)").first.bounding_box()
        assert chart is not None
        assert chart["width"] >= 400
        assert chart["height"] >= 120

    _open_in_chromium(path, check, "deployment-report.png")


def _open_in_chromium(path: Path, check: Callable[[Page], None], shot_name: str) -> None:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requested.append(request.url))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            check(page)
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    if SCREENSHOTS:
        (Path(SCREENSHOTS) / shot_name).write_bytes(shot)
    assert problems == []
    assert [url for url in requested if not url.startswith("file://")] == []
    assert len(shot) > 20_000  # a rendered page, not a blank one
