"""What the web UI's browser tests share: a live ``driftloop server`` on the quickstart's
data, one Chromium, console-error capture, screenshots and an accessibility check."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from driftloop.server.background import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = Path(
    os.environ.get("DRIFTLOOP_SCREENSHOTS") or Path(__file__).resolve().parents[1] / ".screenshots"
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class UiServer:
    """The live server and what the quickstart left in it."""

    url: str
    db: Path
    experiments: dict[str, str] = field(default_factory=dict)
    """Experiment id by name."""

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            return conn.execute(sql, args).fetchall()

    def runs_with_metric(self, experiment: str, key: str) -> list[tuple[str, str]]:
        """``(run_id, name)`` of the runs of ``experiment`` that logged ``key``."""
        return self.query(
            "SELECT r.run_id, r.name FROM runs r JOIN latest_metrics m ON m.run_id = r.run_id "
            "WHERE r.experiment_id = ? AND m.key = ? ORDER BY r.name",
            int(self.experiments[experiment]),
            key,
        )


@contextlib.contextmanager
def start_ui_server(tracking: Path, scratch: Path) -> Iterator[UiServer]:
    """Serve a copy of the quickstart's database; its artifacts are read where they are."""
    for suffix in ("", "-wal"):
        source = tracking / f"driftloop.db{suffix}"
        if source.exists():
            shutil.copy2(source, scratch / source.name)
    db = scratch / "driftloop.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT experiment_id, name, artifact_location FROM experiments")
        found = rows.fetchall()
    experiments = {name: str(eid) for eid, name, _ in found}
    destination = str(Path(found[0][2]).parent)  # every experiment's folder is below it
    with run_server(f"sqlite:///{db}", destination, scratch) as url:
        yield UiServer(url=url, db=db, experiments=experiments)


@contextlib.contextmanager
def run_server(
    db_uri: str, destination: str, scratch: Path, extra: tuple[str, ...] = ()
) -> Iterator[str]:
    """``driftloop server`` in a subprocess on a free port; yields its URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "driftloop.cli.main", "server",
        "--backend-store-uri", db_uri,
        "--artifacts-destination", destination,
        "--port", str(port), *extra,
    ]  # fmt: skip
    log_path = scratch / "server.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, log_path)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("driftloop server exited:\n" + log.read_text(encoding="utf-8"))
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("driftloop server did not start:\n" + log.read_text(encoding="utf-8"))


@contextlib.contextmanager
def start_ui_browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        reason = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it, the browser tests must run in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """One page of the browser, recording console errors and failed requests."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Go to ``path`` and wait until it and its charts are loaded."""
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == 200, (path, response.status)
        self.settle()

    def settle(self) -> None:
        """Wait for the page to load and every chart near the viewport to be drawn."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('figure.chart')].every("
            "f => f.getBoundingClientRect().top > innerHeight + 200 || "
            "f.dataset.state === 'drawn' || f.dataset.state === 'error')"
        )

    def screenshot(self, name: str) -> None:
        """Save a full-page screenshot for review."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        ignore = SCREENSHOTS / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        self.page.screenshot(path=str(SCREENSHOTS / f"ui-{name}.png"), full_page=True)


@contextlib.contextmanager
def tab(browser: Browser, base: str, width: int = 1280) -> Iterator[Tab]:
    """A fresh browser context and page; fails the test on any console error."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    opened = Tab(page=page, base=base)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert opened.errors == []


ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push('h1 elements: ' + h1);
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (last && level > last + 1) problems.push('heading skips a level: ' + h.textContent);
    last = level;
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (!(byFor || el.closest('label') || el.getAttribute('aria-label')
          || el.getAttribute('aria-labelledby'))) {
      problems.push('input without a label: ' + el.outerHTML.slice(0, 100));
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('image without alt: ' + img.src);
  }
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (!document.querySelector('main')) problems.push('no <main>');
  return problems;
}"""


def accessibility_problems(page: Page) -> list[str]:
    """Labels, headings, alt texts and landmarks of the page that fail the basic checks."""
    problems: list[str] = page.evaluate(ACCESSIBILITY_PROBLEMS)
    return problems
