"""The loop's pages of the web UI (models, deployments, monitoring, continuous training) in
Debian's Chromium, against a live ``driftloop server`` holding what the quickstart left:
every page loads without console errors and passes the basic accessibility check, the CT
timeline shows the promotion of v2, and the monitoring heatmap shows the drifted columns.
Screenshots go to ``tests/.screenshots`` (or ``$DRIFTLOOP_SCREENSHOTS``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.e2e.ui_support import Tab, UiServer, accessibility_problems, tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser

MODEL = "quickstart-classifier"
DEPLOYMENT = "quickstart-prod"
CHARTS_SETTLED = (
    "() => [...document.querySelectorAll('figure.loop-chart')].every(f => f.dataset.state)"
)


def _open(opened: Tab, path: str) -> None:
    opened.open(path)
    opened.page.wait_for_function(CHARTS_SETTLED)


def test_every_loop_page_loads_cleanly_and_accessibly(
    ui_browser: Browser, ui_server: UiServer
) -> None:
    pages = {
        "models": "/models",
        "model": f"/models/view?name={MODEL}",
        "model-version": f"/models/version?name={MODEL}&version=2",
        "deployments": "/deployments",
        "deployment": f"/deployments/view?name={DEPLOYMENT}",
        "monitoring": "/monitoring",
        "monitoring-deployment": f"/monitoring/view?name={DEPLOYMENT}",
        "ct": "/ct",
        "ct-deployment": f"/ct/view?name={DEPLOYMENT}",
    }
    with tab(ui_browser, ui_server.url) as opened:
        for name, path in pages.items():
            _open(opened, path)
            assert accessibility_problems(opened.page) == [], name
            states = opened.page.eval_on_selector_all(
                "figure.loop-chart", "figures => figures.map(f => f.dataset.state)"
            )
            assert all(state == "drawn" for state in states), (name, states)
            opened.screenshot(name)
            width = opened.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, name  # laptop width: no horizontal scrolling of the page
    with tab(ui_browser, ui_server.url, 1920) as wide:
        _open(wide, f"/monitoring/view?name={DEPLOYMENT}")
        wide.screenshot("monitoring-deployment-wide")


def test_the_ct_timeline_shows_the_promotion(ui_browser: Browser, ui_server: UiServer) -> None:
    with tab(ui_browser, ui_server.url) as opened:
        _open(opened, f"/ct/view?name={DEPLOYMENT}")
        page = opened.page
        kinds = page.locator("li.step").evaluate_all("steps => steps.map(s => s.dataset.kind)")
        assert kinds[0] == "trigger_fired"
        assert kinds[-1] == "promoted"
        assert {"gate_passed", "shadow_started", "canary_step"} <= set(kinds)
        promoted = page.locator('li.step[data-kind="promoted"]')
        assert promoted.is_visible()
        assert "promoted v2" in promoted.inner_text()
        gates = page.locator("table.gates").first.inner_text()
        assert re.search(r"metric\s+passed\s+accuracy", gates)
        assert "promoted" in page.locator("li.episode h3").first.inner_text()
        policy = page.locator("#policy").inner_text()  # recorded by the quickstart's controller
        assert f"deployment: {DEPLOYMENT}" in policy
        assert "margin: 0.05" in policy  # the rollback margin the quickstart sets
        opened.screenshot("ct-promotion")
        page.locator('li.step[data-kind="pipeline_finished"] a[href^="/runs/"]').click()
        page.wait_for_load_state("load")
        assert re.search(r"/runs/[0-9a-f]{32}$", page.url)
        assert page.locator("h1").inner_text().startswith("Run ")


def test_the_monitoring_heatmap_shows_the_drifted_columns(
    ui_browser: Browser, ui_server: UiServer
) -> None:
    with tab(ui_browser, ui_server.url) as opened:
        _open(opened, f"/monitoring/view?name={DEPLOYMENT}")
        page = opened.page
        drifted = page.locator("#drifted-columns").inner_text().split(", ")
        assert {"x0", "x1", "x2", "x3"} <= set(drifted)
        marked = page.locator("g.hm-drifted").evaluate_all(
            "cells => [...new Set(cells.map(c => c.dataset.column))]"
        )
        assert {"x0", "x1", "x2", "x3"} <= set(marked)
        assert all(
            v.endswith("*")
            for v in page.locator("g.hm-drifted").evaluate_all(
                "cells => cells.map(c => c.dataset.value)"
            )
        )
        verdicts = page.locator("text.hm-verdict-text").evaluate_all(
            "texts => texts.map(t => t.textContent)"
        )
        assert "drift" in verdicts
        assert "ok" in verdicts
        chart = page.locator("#timeline-chart")
        assert chart.get_attribute("data-state") == "drawn"
        assert int(chart.get_attribute("data-alarms") or "0") >= 1  # ADWIN's alarm is marked
        assert page.locator("#alarms-table tbody tr").count() >= 1
        first_drift = page.locator("svg.heatmap a", has=page.locator("rect.hm-drift")).first
        first_drift.click()
        page.wait_for_load_state("load")
        opened.page.wait_for_function(CHARTS_SETTLED)
        assert "run=" in page.url
        assert "drift" in page.locator("#distributions-h + p strong").inner_text()
        assert page.locator("figure.dist").count() >= 1
        assert page.locator("figure.dist svg.bars rect").count() >= 2
        opened.screenshot("monitoring-drifted-window")
