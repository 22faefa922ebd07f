"""The drift report: well-formed offline HTML, escaped user strings, versioned JSON."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftloop.entities.monitoring import SeriesPoint
from driftloop.errors import InvalidParameterError
from driftloop.monitoring._report_charts import bar_chart
from driftloop.monitoring.drift import DatasetDrift, compute_drift
from driftloop.monitoring.performance import PerformanceComparison
from driftloop.monitoring.profile import build_profile
from driftloop.monitoring.report import REPORT_FORMAT_VERSION, DriftReport

HOSTILE = "<script>alert(1)</script>"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _TagChecker(HTMLParser):
    """Fails on an end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _check(markup: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(markup)
    checker.close()
    assert checker.errors == []
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker


def _frame(rows: int, seed: int, *, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1.0, rows),
            "y": rng.exponential(2.0, rows),
            HOSTILE: rng.choice(["a", "b", "<b>bold</b>"], rows),
        }
    )


@pytest.fixture(scope="module")
def drift() -> DatasetDrift:
    reference = _frame(4000, seed=1)
    current = _frame(600, seed=2, shift=1.5)
    current.loc[:50, HOSTILE] = "a-category-name-much-longer-than-fourteen"
    profile = build_profile(reference, predictions=reference["x"] > 0)
    return compute_drift(profile, current, predictions=current["x"] > 0)


@pytest.fixture(scope="module")
def report(drift: DatasetDrift) -> DriftReport:
    points = [
        SeriesPoint(f"run{i}", 1_700_000_000_000 + i * 3_600_000, 3, value)
        for i, value in enumerate([0.0, 1 / 3, math.nan, 2 / 3, 2 / 3])
    ]
    performance = PerformanceComparison(
        current={"accuracy": 0.71},
        reference={"accuracy": 0.9},
        relative_change={"accuracy": (0.71 - 0.9) / 0.9},
        degraded=("accuracy",),
    )
    return DriftReport(
        drift,
        performance=performance,
        series={"drifted share": points},
        title=f"Report {HOSTILE}",
        generated="2026-01-01T00:00:00Z",
    )


def test_the_page_and_the_fragment_are_well_formed(report: DriftReport) -> None:
    page = _check(report.to_html())
    assert page.tags[:3] == ["html", "head", "meta"]
    _check(report._repr_html_())


def test_the_page_needs_no_network_and_no_script(report: DriftReport) -> None:
    page = _check(report.to_html())
    assert "script" not in page.tags
    assert not [name for name, _ in page.attributes if name.startswith("on") or name == "src"]
    links = [value or "" for name, value in page.attributes if name == "href"]
    assert links
    assert all(link.startswith("#dl-") for link in links)
    html = report.to_html().lower()
    for needle in ("http://", "https://", "<script", " src=", "@import", "url(", "//fonts"):
        assert needle not in html


def test_user_strings_are_escaped(report: DriftReport) -> None:
    html = report.to_html()
    assert HOSTILE not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_one_chart_per_column_then_prediction_and_series(report: DriftReport) -> None:
    html = report.to_html()
    columns = len(report.drift.columns)
    assert columns == 3
    for index in range(1, columns + 1):
        card = html.split(f'id="dl-col-{index}"', 1)[1].split('<div class="dl-card"', 1)[0]
        assert card.count("<svg") == 1
    assert f'id="dl-col-{columns + 1}"' not in html
    assert html.count("<svg") == columns + 1 + 1  # + prediction + one series
    assert 'id="dl-prediction"' in html


def test_the_verdict_table_lists_drifted_columns_first(report: DriftReport) -> None:
    rows = report.to_dict()["columns"]
    flags = [row["drifted"] for row in rows]
    assert flags == sorted(flags, reverse=True)
    assert {row["column"] for row in rows if row["drifted"]} == set(report.drift.drifted_columns)
    assert "x" in report.drift.drifted_columns
    assert "y" not in report.drift.drifted_columns
    html = report.to_html()
    table = html.split("<h2>Columns</h2>", 1)[1].split("</table>", 1)[0]
    order = [table.index(f">{name}</a>") for name in ("x", "y")]
    assert order == sorted(order)
    assert 'class="dl-verdict dl-verdict-drift"' in html
    assert "Drift detected" in html


def test_json_is_versioned_strict_and_round_trips(report: DriftReport) -> None:
    text = report.to_json()

    def reject(token: str) -> None:
        raise AssertionError(f"{token} in strict JSON")

    data = json.loads(text, parse_constant=reject)
    assert data["format_version"] == REPORT_FORMAT_VERSION == 1
    assert data == report.to_dict()
    assert json.loads(json.dumps(data)) == data
    summary = data["summary"]
    assert summary["verdict"] == "drift"
    assert summary["drifted_columns"] == list(report.drift.drifted_columns)
    assert summary["current_rows"] == 600
    row = next(row for row in data["columns"] if row["column"] == HOSTILE)
    assert "a-category-name-much-longer-than-fourteen" in row["unseen_categories"]
    distribution = row["distribution"]
    assert len(distribution["labels"]) == len(distribution["reference"])
    assert math.isclose(sum(distribution["reference"]), 1.0, abs_tol=1e-9)
    assert data["prediction"]["column"] == report.drift.prediction.column  # type: ignore[union-attr]
    assert data["performance"] == [
        {
            "metric": "accuracy",
            "current": 0.71,
            "reference": 0.9,
            "relative_change": pytest.approx((0.71 - 0.9) / 0.9),
            "degraded": True,
        }
    ]
    values = [point["value"] for point in data["series"]["drifted share"]]
    assert values[2] is None  # NaN became null
    assert len(values) == 5


def test_repr_html_is_the_page_body(report: DriftReport) -> None:
    fragment = report._repr_html_()
    page = report.to_html()
    body = page.split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0]
    assert body.strip() == fragment.strip()
    assert fragment.lstrip().startswith('<div class="dl-report">')


def test_performance_and_series_are_drawn(report: DriftReport) -> None:
    html = report.to_html()
    assert "<h2>Performance</h2>" in html
    assert "degraded" in html
    assert "-21.1%" in html
    series = html.split("<h2>Over time</h2>", 1)[1].split("<h2>", 1)[0]
    assert series.count("<polyline") == 2  # the NaN run breaks the line
    assert series.count("<circle") == 4


def test_without_extras_the_sections_are_left_out(drift: DatasetDrift) -> None:
    html = DriftReport(drift).to_html()
    assert "<h2>Performance</h2>" not in html
    assert "<h2>Over time</h2>" not in html
    _check(html)


def test_save_picks_the_format_by_extension(report: DriftReport, tmp_path: Path) -> None:
    html = report.save(tmp_path / "r.html")
    assert html.read_text(encoding="utf-8") == report.to_html()
    data = json.loads(report.save(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["format_version"] == 1
    with pytest.raises(InvalidParameterError, match=r"\.html or \.json") as error:
        report.save(tmp_path / "r.pdf")
    assert error.value.field == "path"


def test_long_labels_are_truncated_on_the_axis_and_whole_in_tooltips() -> None:
    label = "a-category-name-much-longer-than-fourteen"
    svg = str(bar_chart([label, "b"], [0.5, 0.5], [0.2, 0.8], title="t"))
    _check(svg)
    axis = re.findall(r'class="dl-tick"[^>]*>([^<]*)</text>', svg)
    assert "a-category-na…" in axis
    assert label not in axis
    assert f"<title>{label} · current 20.0%</title>" in svg
    assert svg.count("<rect") == 4


def test_a_window_without_values_is_insufficient_data() -> None:
    reference = _frame(500, seed=3)
    empty = pd.DataFrame({"x": [math.nan] * 10, "y": [math.nan] * 10, HOSTILE: [None] * 10})
    report = DriftReport(compute_drift(build_profile(reference), empty))
    html = report.to_html()
    _check(html)
    assert 'class="dl-verdict dl-verdict-insufficient_data"' in html
    assert "No column could be judged" in html
    assert html.count('class="dl-badge dl-badge-na"') == 2 * 3  # in the table and on each card
    assert "the window has no non-missing value" in html
    row = report.to_dict()["columns"][0]
    assert row["computable"] is False
    assert row["score"] is None
