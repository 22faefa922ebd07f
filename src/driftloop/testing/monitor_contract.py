"""Contract suite for :class:`~driftloop.store.base.MonitorStore` backends.

Bind it by subclassing in a test module that provides a ``monitor_store`` fixture::

    class TestMyMonitorStore(MonitorStoreContract):
        pass

Every test records runs of uniquely named deployments, so the suite can share one database
between tests.
"""

# ruff: noqa: S101

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pytest

from driftloop.entities import (
    DATASET_COLUMN,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
    SeriesPoint,
)
from driftloop.errors import InvalidPageTokenError, InvalidParameterError, NotFoundError
from driftloop.store.base import MonitorStore
from driftloop.testing.helpers import FORGED_PAGE_TOKEN, T0, collect_pages, now_ms, unique_name

MINUTE = 60_000
_RUN_ID = re.compile(r"[0-9a-f]{32}")

POINTS = (
    MonitorPoint("age", "psi", 0.12),
    MonitorPoint("age", "drifted", 0.0),
    MonitorPoint("income", "psi", math.nan),
    MonitorPoint(DATASET_COLUMN, "drift_share", 0.5),
    MonitorPoint("income", "ks_p_value", 1e-300),
    MonitorPoint("age", "missing_rate", -0.0),
)

# (argument overrides, the field the error names)
INVALID_RUNS: list[tuple[dict[str, Any], str]] = [
    ({"deployment": ""}, "deployment"),
    ({"deployment": "   "}, "deployment"),
    ({"deployment": None}, "deployment"),
    ({"deployment": "x" * 257}, "deployment"),
    ({"model_version": 0}, "model_version"),
    ({"model_version": "1"}, "model_version"),
    ({"model_version": True}, "model_version"),
    ({"window_start": -1}, "window_start"),
    ({"window_start": 1.5}, "window_start"),
    ({"window_end": T0 - 1}, "window_end"),
    ({"window_end": None}, "window_end"),
    ({"rows": -1}, "rows"),
    ({"rows": "10"}, "rows"),
    ({"verdict": "maybe"}, "verdict"),
    ({"verdict": None}, "verdict"),
    ({"points": [MonitorPoint("", "psi", 0.1)]}, "points[0].column"),
    ({"points": [MonitorPoint("a", "psi", 0.1), MonitorPoint("b", "", 0.1)]}, "points[1].metric"),
    ({"points": [MonitorPoint("a", "psi", math.inf)]}, "points[0].value"),
    (
        {"points": [MonitorPoint("a", "psi", 1.0), MonitorPoint("a", "x", -math.inf)]},
        "points[1].value",
    ),
    ({"points": [MonitorPoint("a", "psi", "0.1")]}, "points[0].value"),  # type: ignore[arg-type]
    ({"points": [MonitorPoint("a", "psi", "NaN")]}, "points[0].value"),  # type: ignore[arg-type]
    ({"points": [MonitorPoint("a", "psi", True)]}, "points[0].value"),
    ({"points": [MonitorPoint("a", "psi", None)]}, "points[0].value"),  # type: ignore[arg-type]
    ({"points": [MonitorPoint("a", "psi", 10**400)]}, "points[0].value"),
    (
        {
            "points": [
                MonitorPoint("a", "psi", 1.0),
                MonitorPoint("b", "psi", 1.0),
                MonitorPoint("a", "psi", 2.0),
            ]
        },
        "points[2]",
    ),
    ({"points": [("a", "psi", 1.0)]}, "points[0]"),
    ({"details": {"k": 1}}, "details['k']"),
    ({"details": ["k", "v"]}, "details"),
]

# Names that must survive query strings, JSON and SQL unchanged.
AWKWARD_NAMES = ("a b&c=d?e#f", "%2F/..\\'\"", "é ☃ 日本", "x" * 250)

# Values at the edges of what a float holds (-0.0 is left out: SQLite reads it back as 0.0).
EXTREME_VALUES = (1e308, -1e308, 5e-324, -5e-324, 2.0**53 + 2, 0.1 + 0.2, 2.2250738585072014e-308)


def same_value(a: float, b: float) -> bool:
    """Equal floats, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_same_points(got: Sequence[MonitorPoint], want: Sequence[MonitorPoint]) -> None:
    """The points are equal pairwise (NaN equal to NaN), in order."""
    assert [(p.column, p.metric) for p in got] == [(p.column, p.metric) for p in want]
    for g, w in zip(got, want, strict=True):
        assert same_value(g.value, w.value), (g, w)


def sorted_points(points: Sequence[MonitorPoint]) -> list[MonitorPoint]:
    """The points in the stored order: by column, then metric."""
    return sorted(points, key=lambda p: (p.column, p.metric))


def without_points(run: MonitorRun) -> tuple[Any, ...]:
    """The run's fields except its points."""
    return (
        run.run_id,
        run.deployment,
        run.model_version,
        run.window_start,
        run.window_end,
        run.rows,
        run.verdict,
        run.created,
        dict(run.details),
    )


class MonitorStoreContract:
    """Behaviour every :class:`MonitorStore` backend must show."""

    # -- helpers --------------------------------------------------------------------------

    @pytest.fixture
    def deployment(self) -> str:
        """A deployment name no other test uses."""
        return unique_name("mon")

    @staticmethod
    def record(
        store: MonitorStore,
        deployment: str,
        window_end: int,
        *,
        points: Sequence[MonitorPoint] = POINTS,
        model_version: int | None = 1,
        **overrides: Any,
    ) -> MonitorRun:
        """Record a 5-minute window ending at ``window_end``."""
        arguments: dict[str, Any] = {
            "model_version": model_version,
            "window_start": window_end - 5 * MINUTE,
            "window_end": window_end,
            "rows": 1000,
            "verdict": MonitorVerdict.NO_DRIFT,
            "points": points,
            **overrides,
        }
        return store.record_monitor_run(deployment, **arguments)

    # -- record / get ---------------------------------------------------------------------

    def test_record_and_get_round_trip(self, monitor_store: MonitorStore, deployment: str) -> None:
        """Every field, NaN values and details come back; points sorted by column, metric."""
        before = now_ms()
        run = monitor_store.record_monitor_run(
            deployment,
            model_version=3,
            window_start=T0,
            window_end=T0 + 5 * MINUTE,
            rows=1234,
            verdict=MonitorVerdict.DRIFT,
            points=POINTS,
            details={"method.age": "psi", "threshold": "0.2", "unicode": "é ☃"},
        )
        after = now_ms()
        assert _RUN_ID.fullmatch(run.run_id)
        assert run.deployment == deployment
        assert run.model_version == 3
        assert (run.window_start, run.window_end, run.rows) == (T0, T0 + 5 * MINUTE, 1234)
        assert run.verdict is MonitorVerdict.DRIFT
        assert before <= run.created <= after
        assert dict(run.details) == {"method.age": "psi", "threshold": "0.2", "unicode": "é ☃"}
        got = monitor_store.get_monitor_run(run.run_id)
        assert without_points(got) == without_points(run)
        assert_same_points(got.points, sorted_points(POINTS))
        assert_same_points(run.points, sorted_points(POINTS))
        assert math.isnan(
            next(p.value for p in got.points if p.column == "income" and p.metric == "psi")
        )
        assert next(p.value for p in got.points if p.metric == "ks_p_value") == 1e-300

    def test_defaults_string_verdict_and_no_version(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """A string verdict, no version, no points and no details are stored as such."""
        run = monitor_store.record_monitor_run(
            deployment,
            model_version=None,
            window_start=T0,
            window_end=T0,
            rows=0,
            verdict="insufficient_data",
            points=[],
        )
        got = monitor_store.get_monitor_run(run.run_id)
        assert got.model_version is None
        assert got.verdict is MonitorVerdict.INSUFFICIENT_DATA
        assert got.points == ()
        assert dict(got.details) == {}
        assert got.window_start == got.window_end == T0

    def test_run_ids_are_unique(self, monitor_store: MonitorStore, deployment: str) -> None:
        """Each recorded run gets a new id."""
        runs = [self.record(monitor_store, deployment, T0 + MINUTE) for _ in range(5)]
        assert len({run.run_id for run in runs}) == 5

    @pytest.mark.parametrize("run_id", ["0" * 32, "", "not-a-run", "x" * 300])
    def test_get_unknown_run(self, monitor_store: MonitorStore, run_id: str) -> None:
        """An unknown or malformed id raises NotFoundError naming ``run_id``."""
        with pytest.raises(NotFoundError, match="no monitoring run") as caught:
            monitor_store.get_monitor_run(run_id)
        assert caught.value.field == "run_id"

    def test_thousand_point_run(self, monitor_store: MonitorStore, deployment: str) -> None:
        """A 1,000-point run round-trips in order and feeds its series."""
        points = [
            MonitorPoint(
                f"feature_{i // 10:03d}", f"metric_{i % 10}", math.nan if i % 97 == 0 else i / 7
            )
            for i in range(1000)
        ]
        run = self.record(monitor_store, deployment, T0, points=list(reversed(points)))
        got = monitor_store.get_monitor_run(run.run_id)
        assert len(got.points) == 1000
        assert_same_points(got.points, sorted_points(points))
        series = monitor_store.get_series(deployment, "feature_042", "metric_3")
        assert [(s.run_id, s.value) for s in series] == [(run.run_id, 423 / 7)]

    def test_awkward_names_round_trip(self, monitor_store: MonitorStore) -> None:
        """Deployment, column and metric names with URL and SQL characters come back as sent."""
        for index, name in enumerate(AWKWARD_NAMES):
            deployment = f"{unique_name('awk')}{name}"[:256]
            points = [MonitorPoint(name, name, float(index)), MonitorPoint(name, "psi", 0.5)]
            run = self.record(monitor_store, deployment, T0, points=points, details={name: name})
            got = monitor_store.get_monitor_run(run.run_id)
            assert got.deployment == deployment
            assert_same_points(got.points, sorted_points(points))
            assert dict(got.details) == {name: name}
            assert [r.run_id for r in monitor_store.list_monitor_runs(deployment)] == [run.run_id]
            series = monitor_store.get_series(deployment, name, name)
            assert [(s.run_id, s.value) for s in series] == [(run.run_id, float(index))]
            assert monitor_store.delete_monitor_runs(deployment, before=T0 + 1) == 1

    def test_extreme_values_round_trip(self, monitor_store: MonitorStore, deployment: str) -> None:
        """The largest, smallest and subnormal floats come back bit for bit."""
        points = [MonitorPoint("x", f"m{i}", value) for i, value in enumerate(EXTREME_VALUES)]
        run = self.record(monitor_store, deployment, T0, points=points)
        got = {p.metric: p.value for p in monitor_store.get_monitor_run(run.run_id).points}
        for i, value in enumerate(EXTREME_VALUES):
            assert got[f"m{i}"].hex() == value.hex(), (value, got[f"m{i}"])
            series = monitor_store.get_series(deployment, "x", f"m{i}")
            assert [s.value.hex() for s in series] == [value.hex()]

    # -- validation -----------------------------------------------------------------------

    @pytest.mark.parametrize(("overrides", "field"), INVALID_RUNS)
    def test_invalid_run_names_field_and_writes_nothing(
        self,
        monitor_store: MonitorStore,
        deployment: str,
        overrides: dict[str, Any],
        field: str,
    ) -> None:
        """Invalid input raises naming the field, and no run or point is stored."""
        arguments: dict[str, Any] = {
            "deployment": deployment,
            "model_version": 1,
            "window_start": T0,
            "window_end": T0 + MINUTE,
            "rows": 10,
            "verdict": "drift",
            "points": [MonitorPoint("a", "psi", 0.1)],
            **overrides,
        }
        with pytest.raises(
            InvalidParameterError, match=re.escape(field.split("[", maxsplit=1)[0])
        ) as caught:
            monitor_store.record_monitor_run(**arguments)
        assert caught.value.field == field
        assert list(monitor_store.list_monitor_runs(deployment)) == []
        assert monitor_store.get_series(deployment, "a", "psi") == []

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"max_results": 0}, "max_results"),
            ({"max_results": 1001}, "max_results"),
            ({"since": -1}, "since"),
            ({"until": "soon"}, "until"),
        ],
    )
    def test_invalid_list_arguments(
        self, monitor_store: MonitorStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Bad page sizes and bounds raise naming the argument."""
        with pytest.raises(InvalidParameterError, match=field) as caught:
            monitor_store.list_monitor_runs(deployment, **arguments)
        assert caught.value.field == field

    def test_forged_page_token(self, monitor_store: MonitorStore, deployment: str) -> None:
        """A token the store did not issue raises InvalidPageTokenError."""
        with pytest.raises(InvalidPageTokenError, match="page token"):
            monitor_store.list_monitor_runs(deployment, page_token=FORGED_PAGE_TOKEN)

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"column": ""}, "column"),
            ({"metric": ""}, "metric"),
            ({"model_version": 0}, "model_version"),
            ({"since": 1.5}, "since"),
        ],
    )
    def test_invalid_series_arguments(
        self, monitor_store: MonitorStore, deployment: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Bad series arguments raise naming the argument."""
        call: dict[str, Any] = {"column": "age", "metric": "psi", **arguments}
        with pytest.raises(InvalidParameterError, match=field) as caught:
            monitor_store.get_series(deployment, **call)
        assert caught.value.field == field

    # -- list -----------------------------------------------------------------------------

    def test_list_newest_first_without_points(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """Runs of the deployment only, newest window first, without points."""
        ends = [T0 + 3 * MINUTE, T0 + MINUTE, T0 + 4 * MINUTE, T0 + 2 * MINUTE]
        runs = {self.record(monitor_store, deployment, end).run_id: end for end in ends}
        self.record(monitor_store, unique_name("other"), T0 + 10 * MINUTE)
        page = monitor_store.list_monitor_runs(deployment)
        assert page.next_page_token is None
        assert [run.window_end for run in page] == sorted(ends, reverse=True)
        assert {run.run_id for run in page} == set(runs)
        assert all(run.points == () for run in page)
        assert all(run.deployment == deployment for run in page)
        first = page[0]
        assert without_points(first) == without_points(monitor_store.get_monitor_run(first.run_id))

    def test_list_bounds_since_inclusive_until_exclusive(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """``since`` is inclusive and ``until`` exclusive, on the window end."""
        for minute in range(1, 6):
            self.record(monitor_store, deployment, T0 + minute * MINUTE)

        def ends(since: int | None = None, until: int | None = None) -> list[int]:
            page = monitor_store.list_monitor_runs(deployment, since=since, until=until)
            return [(run.window_end - T0) // MINUTE for run in page]

        assert ends(since=T0 + 2 * MINUTE) == [5, 4, 3, 2]
        assert ends(until=T0 + 4 * MINUTE) == [3, 2, 1]
        assert ends(since=T0 + 2 * MINUTE, until=T0 + 4 * MINUTE) == [3, 2]
        assert ends(since=T0 + 2 * MINUTE + 1, until=T0 + 4 * MINUTE + 1) == [4, 3]
        assert ends(since=T0 + 4 * MINUTE, until=T0 + 4 * MINUTE) == []

    def test_list_paging(self, monitor_store: MonitorStore, deployment: str) -> None:
        """Pages partition the full listing in order, ties on the window end included."""
        ends = [T0 + (i % 4) * MINUTE for i in range(11)]  # ties on the window end
        recorded = {self.record(monitor_store, deployment, end).run_id for end in ends}
        full = list(monitor_store.list_monitor_runs(deployment, max_results=1000))
        pages = collect_pages(
            lambda token: monitor_store.list_monitor_runs(
                deployment, max_results=3, page_token=token
            )
        )
        assert [len(page) for page in pages] == [3, 3, 3, 2]
        flat = [run.run_id for page in pages for run in page]
        assert flat == [run.run_id for run in full]
        assert set(flat) == recorded
        window_ends = [run.window_end for run in full]
        assert window_ends == sorted(window_ends, reverse=True)
        exact = collect_pages(
            lambda token: monitor_store.list_monitor_runs(
                deployment, max_results=11, page_token=token
            )
        )
        assert [len(page) for page in exact] == [11]

    def test_list_unknown_deployment_is_empty(self, monitor_store: MonitorStore) -> None:
        """An unknown deployment lists nothing."""
        page = monitor_store.list_monitor_runs(unique_name("none"))
        assert list(page) == []
        assert page.next_page_token is None

    # -- series ---------------------------------------------------------------------------

    def test_series_oldest_first_with_nan(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """A series is one (column, metric), oldest first, NaN kept."""
        values = {3: 0.3, 1: 0.1, 2: math.nan, 5: 0.5}
        runs: dict[int, MonitorRun] = {}
        for minute, value in values.items():
            points = [MonitorPoint("age", "psi", value), MonitorPoint("age", "ks", 1 - minute / 10)]
            runs[minute] = self.record(
                monitor_store, deployment, T0 + minute * MINUTE, points=points, model_version=minute
            )
        self.record(
            monitor_store, deployment, T0 + 4 * MINUTE, points=[MonitorPoint("x", "psi", 9.0)]
        )
        series = monitor_store.get_series(deployment, "age", "psi")
        assert [s.run_id for s in series] == [runs[m].run_id for m in sorted(values)]
        assert [s.window_end for s in series] == [T0 + m * MINUTE for m in sorted(values)]
        assert [s.model_version for s in series] == sorted(values)
        for point, minute in zip(series, sorted(values), strict=True):
            assert isinstance(point, SeriesPoint)
            assert same_value(point.value, values[minute])
        assert [s.value for s in monitor_store.get_series(deployment, "age", "ks")] == [
            pytest.approx(1 - m / 10) for m in sorted(values)
        ]
        assert monitor_store.get_series(deployment, "age", "missing") == []
        assert monitor_store.get_series(unique_name("other"), "age", "psi") == []

    def test_series_bounds(self, monitor_store: MonitorStore, deployment: str) -> None:
        """Series bounds: ``since`` inclusive, ``until`` exclusive."""
        for minute in range(1, 6):
            self.record(monitor_store, deployment, T0 + minute * MINUTE)

        def minutes(**bounds: int) -> list[int]:
            series = monitor_store.get_series(deployment, "age", "psi", **bounds)
            return [(s.window_end - T0) // MINUTE for s in series]

        assert minutes() == [1, 2, 3, 4, 5]
        assert minutes(since=T0 + 2 * MINUTE) == [2, 3, 4, 5]
        assert minutes(until=T0 + 4 * MINUTE) == [1, 2, 3]
        assert minutes(since=T0 + 2 * MINUTE, until=T0 + 4 * MINUTE) == [2, 3]
        assert minutes(since=T0 + 6 * MINUTE) == []

    def test_series_model_version_filter(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """``model_version`` keeps only the runs of that version."""
        versions = [1, 2, None, 2, 1, 2]
        runs = [
            self.record(monitor_store, deployment, T0 + i * MINUTE, model_version=version)
            for i, version in enumerate(versions)
        ]
        two = monitor_store.get_series(deployment, "age", "psi", model_version=2)
        assert [s.run_id for s in two] == [runs[i].run_id for i in (1, 3, 5)]
        assert {s.model_version for s in two} == {2}
        one = monitor_store.get_series(deployment, "age", "psi", model_version=1, since=T0 + MINUTE)
        assert [s.run_id for s in one] == [runs[4].run_id]
        assert monitor_store.get_series(deployment, "age", "psi", model_version=7) == []
        everything = monitor_store.get_series(deployment, "age", "psi")
        assert [s.model_version for s in everything] == versions

    # -- delete ---------------------------------------------------------------------------

    def test_delete_before_keeps_later_runs_and_cascades(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """Retention deletes older runs and their points, counts them, spares the rest."""
        runs = [self.record(monitor_store, deployment, T0 + m * MINUTE) for m in range(1, 7)]
        other = unique_name("other")
        kept_elsewhere = self.record(monitor_store, other, T0 + MINUTE)
        assert monitor_store.delete_monitor_runs(deployment, before=T0 + 3 * MINUTE) == 2
        remaining = [run.run_id for run in monitor_store.list_monitor_runs(deployment)]
        assert remaining == [run.run_id for run in reversed(runs[2:])]
        for deleted in runs[:2]:
            with pytest.raises(NotFoundError, match=deleted.run_id):
                monitor_store.get_monitor_run(deleted.run_id)
        series = monitor_store.get_series(deployment, "age", "psi")
        assert [s.run_id for s in series] == [run.run_id for run in runs[2:]]
        assert len(monitor_store.get_monitor_run(runs[2].run_id).points) == len(POINTS)
        assert monitor_store.get_monitor_run(kept_elsewhere.run_id).run_id == kept_elsewhere.run_id
        assert monitor_store.delete_monitor_runs(deployment, before=T0 + 3 * MINUTE) == 0
        assert monitor_store.delete_monitor_runs(deployment, before=T0 + 100 * MINUTE) == 4
        assert monitor_store.get_series(deployment, "age", "psi") == []
        assert list(monitor_store.list_monitor_runs(deployment)) == []
        assert len(monitor_store.get_series(other, "age", "psi")) == 1

    def test_record_after_delete_reuses_nothing(
        self, monitor_store: MonitorStore, deployment: str
    ) -> None:
        """A run recorded after a retention delete has a new id and its own points."""
        old = self.record(monitor_store, deployment, T0)
        assert monitor_store.delete_monitor_runs(deployment, before=T0 + 1) == 1
        new = self.record(monitor_store, deployment, T0)
        assert new.run_id != old.run_id
        assert [s.run_id for s in monitor_store.get_series(deployment, "age", "psi")] == [
            new.run_id
        ]

    @pytest.mark.parametrize(
        ("deployment_arg", "before", "field"),
        [("", T0, "deployment"), ("d", -5, "before"), ("d", None, "before")],
    )
    def test_invalid_delete_arguments(
        self, monitor_store: MonitorStore, deployment_arg: str, before: Any, field: str
    ) -> None:
        """Bad retention arguments raise naming the argument."""
        with pytest.raises(InvalidParameterError, match=field) as caught:
            monitor_store.delete_monitor_runs(deployment_arg, before=before)
        assert caught.value.field == field
