"""Render the drift report's content (see :mod:`driftloop.monitoring._report_payload`) to HTML.

Jinja2 with autoescape on: every user string (column names, categories, titles) is escaped;
the charts are :class:`markupsafe.Markup` built by :mod:`driftloop.monitoring._report_charts`,
which escapes its own labels.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from driftloop.monitoring._report_charts import (
    CURRENT_COLOUR,
    REFERENCE_COLOUR,
    bar_chart,
    line_chart,
)

_HEADLINES = {
    "drift": "Drift detected",
    "no_drift": "No drift",
    "insufficient_data": "Insufficient data",
}


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("driftloop.monitoring", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["pct"] = _pct
    environment.filters["num"] = _num
    return environment


def _pct(value: float | None) -> str:
    return "\N{EN DASH}" if value is None or not math.isfinite(value) else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "\N{EN DASH}" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _shares(values: list[float | None]) -> list[float]:
    return [math.nan if value is None else value for value in values]


def _column_chart(row: Mapping[str, Any]) -> Markup:
    distribution = row["distribution"]
    return bar_chart(
        distribution["labels"],
        _shares(distribution["reference"]),
        _shares(distribution["current"]),
        title=f"{row['column']}: reference vs current",
    )


def render_fragment(report: Mapping[str, Any]) -> str:
    """The report as one ``<div>`` with scoped CSS: for Jupyter and for the full page."""
    series_charts = [
        (
            name,
            line_chart(
                [
                    (point["window_end"], math.nan if point["value"] is None else point["value"])
                    for point in points
                ],
                title=name,
            ),
        )
        for name, points in report["series"].items()
    ]
    prediction = report["prediction"]
    return (
        _environment()
        .get_template("drift_report.html.j2")
        .render(
            report=report,
            headline=_HEADLINES.get(report["summary"]["verdict"], report["summary"]["verdict"]),
            column_charts=[_column_chart(row) for row in report["columns"]],
            prediction_chart=None if prediction is None else _column_chart(prediction),
            series_charts=series_charts,
            reference_colour=REFERENCE_COLOUR,
            current_colour=CURRENT_COLOUR,
        )
    )


def render_document(report: Mapping[str, Any]) -> str:
    """The report as a whole HTML page that opens offline."""
    body = Markup(render_fragment(report))  # noqa: S704 - rendered with autoescape above
    return _environment().get_template("document.html.j2").render(title=report["title"], body=body)
