"""A drift report a data scientist can open: one offline HTML file, or versioned JSON.

:class:`DriftReport` wraps a :class:`~driftloop.monitoring.drift.DatasetDrift` (and,
optionally, live performance and series over past monitoring runs) and renders:

* ``to_html()``: one self-contained page (inline CSS and SVG charts drawn in Python, no
  JavaScript, no network) with the verdict, a table of columns (drifted first, then by
  score), reference-vs-current bars per column, prediction drift, performance and series;
* ``to_json()``: the same content as ``{"format_version": 1, ...}``;
* ``_repr_html_()``: the page's body, so the report renders inline in Jupyter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftloop._version import __version__
from driftloop.entities.monitoring import SeriesPoint
from driftloop.errors import InvalidParameterError
from driftloop.monitoring._report_payload import (
    REPORT_FORMAT_VERSION,
    column_row,
    performance_rows,
    series_rows,
    sort_key,
    summary,
)
from driftloop.monitoring._report_render import render_document, render_fragment
from driftloop.monitoring.drift import DatasetDrift
from driftloop.monitoring.performance import PerformanceComparison

__all__ = ["REPORT_FORMAT_VERSION", "DriftReport"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The report of one drift computation.

    Attributes:
        drift: What :func:`~driftloop.monitoring.drift.compute_drift` returned.
        performance: Live metrics: a :class:`PerformanceComparison` or metric -> value.
        series: Name -> points over past monitoring runs (e.g. ``"drifted share"``).
        title: The page title.
        generated: When the report was made (ISO 8601, UTC; now by default).
    """

    drift: DatasetDrift
    performance: PerformanceComparison | Mapping[str, float] | None = None
    series: Mapping[str, Sequence[SeriesPoint]] = field(default_factory=dict)
    title: str = "Drift report"
    generated: str = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        """The content as JSON-ready data (non-finite numbers become None)."""
        columns = sorted(self.drift.columns, key=sort_key)
        prediction = self.drift.prediction
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "driftloop_version": __version__,
            "title": self.title,
            "generated": self.generated,
            "summary": summary(self.drift),
            "columns": [column_row(column) for column in columns],
            "prediction": None if prediction is None else column_row(prediction),
            "performance": performance_rows(self.performance),
            "series": series_rows(self.series),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The content as strict JSON (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    def to_html(self) -> str:
        """One self-contained HTML page that opens without a network."""
        return render_document(self.to_dict())

    def _repr_html_(self) -> str:
        return render_fragment(self.to_dict())

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path``: HTML for ``.html``/``.htm``, JSON for ``.json``.

        Raises:
            InvalidParameterError: The extension is neither.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix in {".html", ".htm"}:
            text = self.to_html()
        elif suffix == ".json":
            text = self.to_json()
        else:
            raise InvalidParameterError(
                f"a report is saved as .html or .json, not {target.name!r}", field="path"
            )
        target.write_text(text, encoding="utf-8")
        return target
