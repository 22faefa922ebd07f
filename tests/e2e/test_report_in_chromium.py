"""The drift report opened in a real Chromium (Debian's, driven by Playwright): it renders
its charts, asks for nothing over the network and logs no console error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftloop.monitoring.drift import compute_drift
from driftloop.monitoring.profile import build_profile
from driftloop.monitoring.report import DriftReport


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it, the browser tests must run in CI")
        pytest.skip(reason)
    return found


def test_the_report_renders_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

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
            assert "Drift detected" in page.inner_text("body")
            assert page.locator("svg").count() >= 3  # one chart per column
            bars = page.locator("svg rect").count()
            assert bars > 20
            visible = page.locator("svg").first.bounding_box()
            assert visible is not None
            assert visible["width"] > 100
            assert visible["height"] > 50
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert [url for url in requested if not url.startswith("file://")] == []
    assert len(shot) > 20_000  # a rendered page, not a blank one
