"""Where the time of one ``search_runs`` goes, stage by stage, at 10,000 runs.

Run from the repository root::

    .venv/bin/python benchmarks/search_profile.py [--backend postgresql|sqlite] [--runs 10000]
        [--filter "metrics.acc > 0.5"] [--order "metrics.acc DESC"] [--page 1000]

Seeds the runs of ``benchmarks/server.py`` (5 params, 5 metrics, 3 tags each) into a fresh
database (a throw-away PostgreSQL database, or a temporary SQLite file), then times the
benchmark's search (``metrics.acc > 0.5 AND params.model = 'gbm'`` ordered by ``metrics.acc
DESC``, 100 results) in pieces: the main filtered and ordered query (and its EXPLAIN
ANALYZE), the page's params/tags/metrics load, the whole store call, the MLflow JSON
conversion and encoding, a raw HTTP round trip (httpx, JSON only) against a live server, the
mlflow client's own parse of that JSON, the full ``MlflowClient.search_runs`` call, and the
same call against a server that answers those bytes at once (the client's floor: what a
search costs the client whatever the server). Medians of ``--reps`` calls after warm-ups.

``--filter`` and ``--order`` replace the search (``--order ""`` for the default order), e.g.
the web UI's runs page: ``--filter "" --order "metrics.acc DESC"``. On SQLite a search with
a prefix plan (``store/sql/_search_prefix.py``) also shows that plan and its time; the store
call uses it when it fills the page.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned_server import canned_server
from _sides import DriftloopSide, quiet_mlflow
from driftloop.entities import ViewType
from driftloop.server.config import ServerConfig
from driftloop.server.mlflow_api.convert import run_json
from driftloop.server.responses import encode
from driftloop.store.search import Clause, OrderKey, parse_order_by, parse_search_filter
from driftloop.store.sql import run_loading, run_records
from driftloop.store.sql._search_prefix import prefix_select
from driftloop.store.sql.run_search import search_statement
from driftloop.testing import postgres_base_url, temporary_postgres_database
from driftloop.testing.live_server import live_server
from server import SEARCH_FILTER, SEARCH_ORDER, free_port, populate

PAGE = 100


def median_ms(fn: Callable[[], object], reps: int) -> float:
    """Median wall time of ``fn`` in milliseconds, after two warm-up calls."""
    fn()
    fn()
    samples = []
    for _ in range(reps):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """The URI of an empty database on ``backend``, removed afterwards."""
    if backend == "postgresql":
        with temporary_postgres_database(postgres_base_url(), label="search_profile") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="driftloop-search-profile-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'profile.db'}"


def profile(
    backend: str, runs: int, reps: int, search: tuple[str, list[str]], page_size: int = PAGE
) -> list[tuple[str, float]]:
    """Seed ``runs`` runs and time each stage; returns ``(stage, median ms)`` rows."""
    filter_string, order_by = search
    with fresh_database(backend) as db_uri, tempfile.TemporaryDirectory() as artifacts:
        side = DriftloopSide(db_uri, Path(artifacts).as_uri())
        experiment_id = populate(side, runs)
        stores, db = side.stores, side.stores.database
        clauses = parse_search_filter(filter_string, target="runs")
        order = parse_order_by(order_by, target="runs")
        stmt = search_statement(
            db, [experiment_id], clauses, order, "ACTIVE_ONLY", page_size + 1, 0
        )
        if stmt is None:
            raise SystemExit("the experiment id did not parse")
        print_plan(db, stmt)
        postgresql = db.dialect == "postgresql"
        combined = run_loading.with_page_data(stmt) if postgresql else stmt

        def compile_statement() -> object:
            built = search_statement(
                db, [experiment_id], clauses, order, "ACTIVE_ONLY", page_size + 1, 0
            )
            if built is None:
                raise SystemExit("the experiment id did not parse")
            final = run_loading.with_page_data(built) if postgresql else built
            return final.compile(dialect=db.engine.dialect)

        def main_query() -> list[tuple[Any, ...]]:
            with db.read() as conn:
                return db.fetch_all(conn, stmt)

        def main_with_data() -> list[tuple[Any, ...]]:
            with db.read() as conn:
                return db.fetch_all(conn, combined)

        rows = main_with_data()[:page_size]
        ids = [row[0] for row in rows]

        def page_load() -> object:
            with db.read() as conn:
                return run_loading.fetch_page_data(db, conn, ids)

        with db.read() as conn:
            page_data = run_loading.fetch_page_data(db, conn, ids)
        idle = db.engine.connect()

        def build() -> object:
            if postgresql:  # the connection is only used for runs with inputs (none here)
                records = run_records.records_with_data(db, idle, rows)
            else:
                records = run_records.records_from_page_data(rows, page_data)
            return [run_records.run_from_record(record) for record in records]

        def store_call() -> Any:
            return stores.runs.search_runs(
                [experiment_id], filter_string, max_results=page_size, order_by=order_by
            )

        page = store_call()
        destination = Path(artifacts).as_uri()

        def convert() -> object:
            return {"runs": [run_json(run, destination) for run in page]}

        body = convert()
        table = [
            ("statement build + compile (cached in the store)", median_ms(compile_statement, reps)),
            ("main query alone (SQL, fetch)", median_ms(main_query, reps)),
        ]
        table += prefix_stage(db, int(experiment_id), clauses, order, reps, page_size)
        if postgresql:
            table.append(("main query + page data, one statement", median_ms(main_with_data, reps)))
        table += [
            ("page load, one query per table (SQLite path)", median_ms(page_load, reps)),
            ("entity construction", median_ms(build, reps)),
            ("store search_runs (all of the above)", median_ms(store_call, reps)),
            ("MLflow JSON conversion (run_json)", median_ms(convert, reps)),
            ("JSON encoding (responses.encode)", median_ms(lambda: encode(body), reps)),
        ]
        idle.close()
        side.close()
        config = ServerConfig(db_uri, destination, port=0)
        with live_server(config) as url:
            table += http_stages(url, experiment_id, reps, search, page_size)
    return table


def prefix_stage(
    db: Any,
    experiment: int,
    clauses: Sequence[Clause],
    order: Sequence[OrderKey],
    reps: int,
    page_size: int,
) -> list[tuple[str, float]]:
    """SQLite's prefix plan of the search (its plan printed), if the search has one."""
    if db.dialect != "sqlite":
        return []
    prefix = prefix_select([experiment], clauses, order, ViewType.ACTIVE_ONLY, page_size + 1, 0)
    if prefix is None:
        return []
    print_plan(db, prefix, "prefix plan")

    def prefix_query() -> list[tuple[Any, ...]]:
        with db.read() as conn:
            rows: list[tuple[Any, ...]] = db.fetch_all(conn, prefix)
            return rows

    filled = len(prefix_query()) == page_size + 1
    name = f"prefix plan alone (SQL, fetch; {'fills' if filled else 'misses'} the page)"
    return [(name, median_ms(prefix_query, reps))]


def http_stages(
    url: str, experiment_id: str, reps: int, search: tuple[str, list[str]], page_size: int
) -> list[tuple[str, float]]:
    """The raw HTTP round trip, the mlflow client's parse of its answer, the full client call."""
    filter_string, order_by = search
    request = {
        "experiment_ids": [experiment_id],
        "filter": filter_string,
        "order_by": order_by,
        "max_results": page_size,
        "run_view_type": "ACTIVE_ONLY",
    }
    with httpx.Client(base_url=url) as http:

        def round_trip() -> httpx.Response:
            response = http.post("/api/2.0/mlflow/runs/search", json=request)
            response.raise_for_status()
            return response

        raw = median_ms(round_trip, reps)
        answer = round_trip().text
    quiet_mlflow()
    import json

    from mlflow.entities import Run as MlflowRun
    from mlflow.protos.service_pb2 import SearchRuns
    from mlflow.tracking import MlflowClient
    from mlflow.utils.proto_json_utils import parse_dict

    def client_parse() -> list[Any]:
        message = SearchRuns.Response()
        parse_dict(json.loads(answer), message)
        return [MlflowRun.from_proto(run) for run in message.runs]

    def client_call(client: MlflowClient) -> Callable[[], object]:
        return lambda: client.search_runs(
            [experiment_id], filter_string, order_by=order_by, max_results=page_size
        )

    table = [
        ("HTTP round trip, raw JSON (httpx)", raw),
        ("mlflow client: parse of the answer only", median_ms(client_parse, reps)),
        ("mlflow client: search_runs call", median_ms(client_call(MlflowClient(url)), reps)),
    ]
    with canned_server(answer.encode(), free_port()) as canned:
        floor = median_ms(client_call(MlflowClient(canned)), reps)
    return [*table, ("mlflow client: same call, server answering at once (floor)", floor)]


def print_plan(db: Any, stmt: Any, name: str = "main query plan") -> None:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of a query."""
    compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN ANALYZE " if db.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as conn:
        plan = conn.execute(text(prefix + str(compiled))).all()
    print(f"--- {name} ({db.dialect}) ---")
    for row in plan:
        print("  " + " | ".join(str(v) for v in row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--page", type=int, default=PAGE, help="max_results (default 100)")
    parser.add_argument("--filter", default=SEARCH_FILTER, help="the search's filter")
    parser.add_argument(
        "--order", default=SEARCH_ORDER[0], help="one order_by item; empty for the default"
    )
    args = parser.parse_args()
    order_by = [args.order] if args.order else []
    table = profile(args.backend, args.runs, args.reps, (args.filter, order_by), args.page)
    print(
        f"\n{args.backend}, {args.runs} runs, filter {args.filter!r}, order_by {order_by},"
        f" max_results {args.page}"
    )
    print(f"median of {args.reps}:")
    width = max(len(name) for name, _ in table)
    for name, ms in table:
        print(f"  {name:<{width}}  {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
