"""The tracking pages of the web UI in Debian's Chromium, against a live ``driftloop server``
holding what the quickstart trained: every page loads without console errors and passes a
basic accessibility check, the filter box filters, sorting sorts, comparison draws two runs'
curves, and the artifact browser previews the model manifest. Screenshots go to
``tests/.screenshots`` (or ``$DRIFTLOOP_SCREENSHOTS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from tests.e2e.ui_support import UiServer, accessibility_problems, tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _names(page: Page) -> list[str]:
    return page.locator("#runs-table tbody td:nth-child(2) a").all_inner_texts()


def _column(page: Page, name: str) -> list[float]:
    texts = page.locator(f'#runs-table td[data-column="{name}"]').all_inner_texts()
    return [float(t) for t in texts if t.strip()]


def test_every_page_loads_cleanly_and_accessibly(ui_browser: Browser, ui_server: UiServer) -> None:
    (champion, _), (other, _) = ui_server.runs_with_metric("quickstart", "accuracy")[:2]
    quickstart = ui_server.experiments["quickstart"]
    ct = ui_server.experiments["ct-quickstart-prod"]
    pages = {
        "experiments": "/",
        "runs": f"/experiments/{quickstart}",
        "ct-runs": f"/experiments/{ct}",
        "run": f"/runs/{champion}",
        "run-model": f"/runs/{champion}?dir=model",
        "compare": f"/compare?runs={champion}&runs={other}",
    }
    with tab(ui_browser, ui_server.url) as opened:
        for name, path in pages.items():
            opened.open(path)
            assert accessibility_problems(opened.page) == [], name
            opened.screenshot(name)
            width = opened.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, name  # laptop width: no horizontal scrolling
    with tab(ui_browser, ui_server.url, 1920) as wide:
        wide.open(pages["run"])
        charts = wide.page.locator("figure.chart").first.bounding_box()
        assert charts is not None
        assert charts["width"] > 300
        wide.screenshot("run-wide")


def test_the_filter_box_filters_and_shows_errors_inline(
    ui_browser: Browser, ui_server: UiServer
) -> None:
    runs = ui_server.runs_with_metric("quickstart", "accuracy")
    with tab(ui_browser, ui_server.url) as opened:
        opened.open(f"/experiments/{ui_server.experiments['quickstart']}")
        page = opened.page
        assert len(_names(page)) > len(runs) - 1 >= 1
        wanted = runs[0][1]
        page.fill("#filter", f"attributes.run_name = '{wanted}'")
        page.press("#filter", "Enter")
        page.wait_for_load_state("load")
        assert _names(page) == [wanted]
        page.fill("#filter", "metrics.accuracy >")
        with page.expect_navigation() as navigation:
            page.click("form.filter button[type=submit]")
        response = navigation.value
        assert response is not None
        assert response.status == 400
        alert = page.locator("#filter-error")
        assert alert.is_visible()
        assert "metrics.accuracy >" in alert.inner_text()
        assert page.locator("#filter").get_attribute("aria-invalid") == "true"
        opened.screenshot("runs-bad-filter")
        # The browser logs the 400 answer of the page itself; nothing else may be logged.
        opened.errors[:] = [e for e in opened.errors if "status of 400" not in e]


def test_clicking_a_header_sorts(ui_browser: Browser, ui_server: UiServer) -> None:
    experiment = ui_server.experiments["quickstart"]
    with tab(ui_browser, ui_server.url) as opened:
        opened.open(f"/experiments/{experiment}?cols=metrics.accuracy")
        page = opened.page
        header = page.locator("#runs-table thead a.sort", has_text="accuracy")
        header.click()
        page.wait_for_load_state("load")
        values = _column(page, "metrics.accuracy")
        assert len(values) >= 2
        assert values == sorted(values, reverse=True)
        assert page.locator('th[aria-sort="descending"]').inner_text().startswith("accuracy")
        page.locator("#runs-table thead a.sort", has_text="accuracy").click()
        page.wait_for_load_state("load")
        assert _column(page, "metrics.accuracy") == sorted(values)


def test_comparing_two_runs_draws_both_curves(ui_browser: Browser, ui_server: UiServer) -> None:
    (first, first_name), (second, second_name) = ui_server.runs_with_metric(
        "quickstart", "accuracy"
    )[:2]
    with tab(ui_browser, ui_server.url) as opened:
        opened.open(f"/experiments/{ui_server.experiments['quickstart']}")
        page = opened.page
        page.check(f"#select-{first}")
        page.check(f"#select-{second}")
        page.click("#compare-button")
        opened.settle()
        assert "/compare?" in page.url
        assert sorted(parse_qs(urlsplit(page.url).query)["runs"]) == sorted([first, second])
        chart = page.locator('figure.chart[data-key="accuracy"]')
        assert chart.get_attribute("data-state") == "drawn"
        assert chart.get_attribute("data-series") == "2"
        legend = chart.locator(".u-legend .u-series").all_inner_texts()
        assert any(first_name in text for text in legend)
        assert any(second_name in text for text in legend)
        box = chart.locator("canvas").bounding_box()
        assert box is not None
        assert box["width"] > 250
        assert page.locator("svg.scatter circle").count() == 2
        assert page.locator("tr.differs").count() >= 1
        opened.screenshot("compare-two")


def test_the_artifact_browser_previews_the_model_manifest(
    ui_browser: Browser, ui_server: UiServer
) -> None:
    run_id, _ = ui_server.runs_with_metric("quickstart", "accuracy")[0]
    with tab(ui_browser, ui_server.url) as opened:
        opened.open(f"/runs/{run_id}")
        page = opened.page
        page.click('ul.files a:text-is("model/")')
        opened.settle()
        manifest = page.locator("table.manifest")
        assert manifest.is_visible()
        text = manifest.inner_text()
        assert "flavor" in text
        assert "format_version" in text
        assert '"files"' in page.locator("pre.file-text").inner_text()
        page.click('ul.files a:text-is("requirements.txt")')
        opened.settle()
        assert "scikit-learn" in page.locator("pre.file-text").inner_text()
        download = page.locator("#preview a[download]").get_attribute("href")
        assert download == f"/runs/{run_id}/artifact?path={quote('model/requirements.txt')}"
        opened.screenshot("run-artifact")
