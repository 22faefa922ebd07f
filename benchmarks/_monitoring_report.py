"""Figures of the monitoring benchmark: rows, targets, the rich and Markdown tables, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(width=None if sys.stdout.isatty() else 170)

SPEED_TARGET = 50.0
MEMORY_TARGET = 0.25
DRIFT_SECONDS_TARGET = 2.0
TARGET_SIZE = "1m"
"""The size the issue's speed, memory and 2-second targets apply to."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table.

    ``driftloop`` and ``evidently`` are numbers (seconds, MiB) or text (column lists);
    ``better_by`` is how many times better driftloop is, when both are numbers.
    """

    size: str
    figure: str
    driftloop: float | str | None
    evidently: float | str | None
    better_by: float | None = None
    target: str = ""
    passed: bool | None = None


@dataclass(slots=True)
class Results:
    """Everything one run measured, for the tables and the JSON file."""

    command: str = ""
    environment: dict[str, Any] = field(default_factory=dict)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "title": "monitoring: driftloop vs Evidently",
            "command": self.command,
            "environment": self.environment,
            "cases": self.cases,
            "rows": [asdict(row) for row in self.rows],
            "notes": self.notes,
        }

    @property
    def failed(self) -> bool:
        return any(row.passed is False for row in self.rows)


def case_rows(
    label: str,
    size_key: str,
    expected: list[str],
    profile: dict[str, Any] | None,
    drift: dict[str, Any] | None,
    peer: dict[str, Any] | None,
) -> list[Row]:
    """The rows of one size; targets apply at :data:`TARGET_SIZE` (flags at every size)."""
    at_target = size_key == TARGET_SIZE
    rows: list[Row] = []
    if profile is not None:
        rows += [
            Row(label, "build_profile on the reference, once (s)", profile["profile_s"], None),
            Row(label, "build_profile process peak RSS (MiB)", profile["peak_rss_mib"], None),
        ]
    if drift is None and peer is None:
        return rows
    ours_s, theirs_s = _get(drift, "drift_s"), _get(peer, "drift_s")
    speed = _ratio(theirs_s, ours_s)
    rows.append(
        Row(
            label,
            "drift, data in memory (s)",
            ours_s,
            theirs_s,
            speed,
            *_target(at_target, ">= 50x", speed, lambda v: v >= SPEED_TARGET),
        )
    )
    if at_target and ours_s is not None:
        rows.append(
            Row(
                label,
                "driftloop drift under 2 s",
                ours_s,
                None,
                None,
                "< 2 s",
                ours_s < DRIFT_SECONDS_TARGET,
            )
        )
    ours_io = (
        None if drift is None else drift["read_s"] + drift["profile_load_s"] + drift["drift_s"]
    )
    theirs_io = None if peer is None else peer["read_s"] + peer["drift_s"]
    rows.append(
        Row(
            label,
            "drift incl. reading the inputs (s)",
            ours_io,
            theirs_io,
            _ratio(theirs_io, ours_io),
        )
    )
    ours_mib, theirs_mib = _get(drift, "peak_rss_mib"), _get(peer, "peak_rss_mib")
    share = _ratio(ours_mib, theirs_mib)
    rows.append(
        Row(
            label,
            "peak RSS of the drift process (MiB)",
            ours_mib,
            theirs_mib,
            _ratio(theirs_mib, ours_mib),
            *_target(at_target, "<= 1/4", share, lambda v: v <= MEMORY_TARGET),
        )
    )
    ours_base, theirs_base = _above_baseline(drift), _above_baseline(peer)
    rows.append(
        Row(
            label,
            "  peak RSS minus RSS after imports (MiB)",
            ours_base,
            theirs_base,
            _ratio(theirs_base, ours_base),
        )
    )
    rows.append(_flag_row(label, expected, _get(drift, "flagged"), _get(peer, "flagged")))
    return rows


def _get(side: dict[str, Any] | None, key: str) -> Any:
    return None if side is None else side[key]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _above_baseline(side: dict[str, Any] | None) -> float | None:
    return None if side is None else side["peak_rss_mib"] - side["rss_after_imports_mib"]


def _target(
    applies: bool, target: str, value: float | None, ok: Callable[[float], bool]
) -> tuple[str, bool | None]:
    if not applies:
        return "", None
    return target, None if value is None else ok(value)


def _flag_row(
    label: str, expected: list[str], ours: list[str] | None, theirs: list[str] | None
) -> Row:
    """Both sides must flag exactly the shifted columns (one side alone: that side must)."""
    present = [sorted(flags) for flags in (ours, theirs) if flags is not None]
    passed = bool(present) and all(flags == sorted(expected) for flags in present)
    return Row(
        label,
        f"columns flagged (shifted: {', '.join(expected)})",
        None if ours is None else ", ".join(ours) or "none",
        None if theirs is None else ", ".join(theirs) or "none",
        None,
        "same, = shift",
        passed,
    )


def score_rows(
    label: str, expected: list[str], drift: dict[str, Any] | None, peer: dict[str, Any] | None
) -> list[list[str]]:
    """Each side's score on every shifted column, and on each side's highest unshifted one."""
    ours = {} if drift is None else drift["scores"]
    theirs = {} if peer is None else peer["scores"]
    lines = [
        [label, column, _score(ours.get(column)), _score(theirs.get(column))] for column in expected
    ]
    for name, scores in (("driftloop", ours), ("Evidently", theirs)):
        rest = {column: score for column, score in scores.items() if column not in expected}
        if rest:
            top = max(rest, key=lambda column: rest[column])
            lines.append(
                [
                    label,
                    f"{top} (highest unshifted, {name})",
                    _score(ours.get(top)),
                    _score(theirs.get(top)),
                ]
            )
    return lines


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def fmt(value: float | str | None) -> str:
    """Seconds and MiB with 3 significant digits (thousands separated), text as is."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _better(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}x" if value >= 100 else f"{value:.3g}x"


def _verdict(row: Row) -> str:
    if row.passed is None:
        return row.target
    return ("PASS " if row.passed else "FAIL ") + row.target


def render(results: Results) -> Table:
    table = Table(title="monitoring: driftloop vs Evidently", title_justify="left")
    for name, justify in (
        ("size", "left"),
        ("figure", "left"),
        ("driftloop", "right"),
        ("Evidently", "right"),
        ("driftloop better by", "right"),
        ("target", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in results.rows:
        verdict = _verdict(row)
        if row.passed is not None:
            colour = "green" if row.passed else "red"
            verdict = f"[{colour}]{verdict}[/{colour}]"
        table.add_row(
            row.size,
            row.figure,
            fmt(row.driftloop),
            fmt(row.evidently),
            _better(row.better_by),
            verdict,
        )
    return table


def render_markdown(results: Results, scores: list[list[str]]) -> str:
    lines = [
        "| size | figure | driftloop | Evidently | driftloop better by | target |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {row.size} | {row.figure.strip()} | {fmt(row.driftloop)} | {fmt(row.evidently)} | "
        f"{_better(row.better_by)} | {_verdict(row)} |"
        for row in results.rows
    ]
    if scores:
        lines += [
            "",
            "| size | column | driftloop score | Evidently score |",
            "| --- | --- | ---: | ---: |",
        ]
        lines += [f"| {' | '.join(line)} |" for line in scores]
    return "\n".join(lines) + "\n"


def write(results: Results, json_path: Path, markdown: str) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    ignore = json_path.parent / ".gitignore"
    if json_path.parent.name == ".out" and not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")  # results are machine-specific
    json_path.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
    json_path.with_suffix(".md").write_text(markdown, encoding="utf-8")
