"""Engine setup and transactions for the SQL stores.

SQLite gets WAL, ``synchronous=NORMAL``, a 30 s busy timeout and foreign keys on every
connection; SQLAlchemy emits ``BEGIN`` itself so that write transactions can take the write
lock up front (``BEGIN IMMEDIATE``) instead of failing with "database is locked" when a read
transaction upgrades. ``sqlite://`` and ``sqlite:///:memory:`` use one shared connection.
PostgreSQL goes through psycopg 3 (``postgresql://`` means ``postgresql+psycopg://``).

Every public store method runs in one :meth:`SqlDatabase.read` or :meth:`SqlDatabase.write`
block; both translate infrastructure errors into :mod:`driftloop.errors` classes, chained and
without driver text.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.schema import Table

from driftloop.errors import (
    DriftloopError,
    MissingDependencyError,
    StoreUnavailableError,
    UnsupportedUriError,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
COMPILED_CACHE_SIZE = 256
"""Compiled statements :meth:`SqlDatabase.fetch_cached` keeps per database."""
_WRITE_OPTION = "driftloop_write"
_SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)

PING_AFTER_IDLE_SECONDS = 5.0
"""A pooled PostgreSQL connection idle for longer is pinged before use."""
_CHECKED_IN = "driftloop_checked_in"

UpsertInsert = sqlite.Insert | postgresql.Insert


class SqlDatabase:
    """One database: its engine, its dialect and the transaction helpers the stores use.

    Attributes:
        engine: The SQLAlchemy engine.
        dialect: ``"sqlite"`` or ``"postgresql"``.
        description: Human description naming the database, never the password.
    """

    def __init__(self, engine: Engine, description: str) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.description = description
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        self._autocommit_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else None
        )
        self._compiled: OrderedDict[Hashable, tuple[str, Any]] = OrderedDict()
        self._compiled_lock = threading.Lock()
        # An in-memory SQLite database is one connection (StaticPool): its transactions
        # must not interleave across threads, so they take turns.
        self._turns: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if isinstance(engine.pool, StaticPool) else contextlib.nullcontext()
        )

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a plain deferred ``BEGIN`` on SQLite)."""
        with self._turns, self._translate_errors(), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def read_statements(self) -> Iterator[Connection]:
        """Reads that need no snapshot shared across their statements.

        On PostgreSQL each statement runs on its own (autocommit): under READ COMMITTED,
        which sees a new snapshot per statement anyway, ``BEGIN`` and ``COMMIT`` would only
        add two round trips. On SQLite this is :meth:`read`.
        """
        if self._autocommit_engine is None:
            with self.read() as conn:
                yield conn
            return
        with self._turns, self._translate_errors(), self._autocommit_engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite: the write lock is taken first)."""
        with self._turns, self._translate_errors(), self._write_engine.begin() as conn:
            yield conn

    def insert(self, table: Table) -> UpsertInsert:
        """A dialect INSERT that supports ``on_conflict_do_nothing``/``on_conflict_do_update``."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def in_values(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """``column IN values`` with one bound parameter, whatever the number of values.

        A PostgreSQL array (``IN (SELECT unnest(:values))``) or a SQLite JSON array (``IN
        (SELECT value FROM json_each(:values))``): no per-value bind parameters to render,
        no limit on their number, one statement shape. (PostgreSQL's cost model prices
        ``= ANY(:values)`` against a 1000-element array too low and may pick a sequential
        scan; the unnest semi-join probes the index.)
        """
        if self.dialect == "postgresql":
            array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
            return column.in_(select(func.unnest(array)))
        each = func.json_each(json.dumps(list(values))).table_valued("value")
        return column.in_(select(each.c.value))

    def fetch_all(self, conn: Connection, stmt: ClauseElement) -> list[tuple[Any, ...]]:
        """Run a SELECT on the driver's cursor and return plain tuples.

        For large results (a 100k-point metric history) SQLAlchemy's ``Row`` objects cost
        more than the query; this skips them and type processing, so use it only for columns
        the driver returns as-is (strings, integers, floats; booleans may come back as 0/1).
        """
        sql, args = self._compile(stmt)
        return self.driver_execute(conn, sql, args, fetch=True)

    def fetch_cached(
        self, conn: Connection, key: Hashable, build: Callable[[], ClauseElement]
    ) -> list[tuple[Any, ...]]:
        """:meth:`fetch_all` of ``build()``, built and compiled once per ``key``.

        Building and compiling a search statement costs more than running it at 10k runs
        (~1.5 ms). ``key`` must determine the statement and every value bound in it; the
        last :data:`COMPILED_CACHE_SIZE` keys are kept.
        """
        with self._compiled_lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
        if compiled is None:
            compiled = self._compile(build())
            with self._compiled_lock:
                self._compiled[key] = compiled
                if len(self._compiled) > COMPILED_CACHE_SIZE:
                    self._compiled.popitem(last=False)
        return self.driver_execute(conn, *compiled, fetch=True)

    def _compile(self, stmt: ClauseElement) -> tuple[str, Any]:
        """The driver's SQL text and parameters of ``stmt``."""
        compiled = stmt.compile(
            dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        if not isinstance(compiled, SQLCompiler):  # pragma: no cover - SELECTs compile so
            raise TypeError(f"{type(stmt).__name__} does not compile to SQL")
        params = compiled.construct_params()
        names = compiled.positiontup
        args: Any = params if names is None else tuple(params[name] for name in names)
        sql = compiled.string
        if self.dialect == "postgresql":
            # psycopg dumps a list in text format with a regex per element (~5 ms for the
            # 1000 run ids of a page); in binary format it costs a tenth of that.
            for name, value in params.items():
                if isinstance(value, list):
                    sql = sql.replace(f"%({name})s", f"%({name})b")
        return sql, args

    def driver_execute(
        self, conn: Connection, sql: str, params: Any, *, many: bool = False, fetch: bool = False
    ) -> list[tuple[Any, ...]]:
        """Execute SQL in the driver's paramstyle on the transaction's DBAPI connection.

        The fast paths (:meth:`fetch_all`, :mod:`driftloop.store.sql.bulk`) use it; driver
        errors are translated like those of SQLAlchemy statements.

        Args:
            conn: The open transaction.
            sql: The statement, with the driver's placeholders.
            params: The parameters; a sequence of parameter sets when ``many`` is true.
            many: Use the driver's ``executemany``.
            fetch: Return the result rows (else an empty list).
        """
        dbapi = conn.dialect.loaded_dbapi
        driver = conn.connection.driver_connection
        if fetch and self.dialect == "postgresql" and driver is not None:
            # psycopg parses binary results in C, twice as fast as text for 100k rows.
            cursor = driver.cursor(binary=True)
        else:
            cursor = conn.connection.cursor()
        try:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            return list(cursor.fetchall()) if fetch else []
        except dbapi.Error as e:
            raise self.translate_driver_error(e) from e
        finally:
            cursor.close()

    def translate_driver_error(self, error: Exception) -> DriftloopError:
        """The driftloop error for a driver (DBAPI) error raised outside SQLAlchemy."""
        if isinstance(error, self.engine.dialect.loaded_dbapi.OperationalError):
            return StoreUnavailableError(
                f"the database ({self.description}) is unavailable or busy; retry later"
            )
        return DriftloopError(
            f"unexpected database error on {self.description}; see the server log"
        )

    def close(self) -> None:
        """Close every pooled connection; the object must not be used afterwards."""
        self.engine.dispose()

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError, PoolTimeoutError) as e:
            raise StoreUnavailableError(
                f"the database ({self.description}) is unavailable or busy; retry later"
            ) from e
        except DBAPIError as e:
            raise DriftloopError(
                f"unexpected database error on {self.description}; see the server log"
            ) from e


def create_database(db_uri: str) -> SqlDatabase:
    """Create the engine for ``db_uri`` (no connection is made yet).

    Raises:
        UnsupportedUriError: The URI is not a SQLite or PostgreSQL SQLAlchemy URL.
        MissingDependencyError: The PostgreSQL driver is not installed.
    """
    try:
        url = make_url(db_uri)
    except ArgumentError as e:
        raise UnsupportedUriError("the database URI does not parse as a SQLAlchemy URL") from e
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _create_sqlite(url)
    if backend == "postgresql":
        return _create_postgresql(url)
    raise UnsupportedUriError(
        f"database scheme {backend!r} is not supported; use sqlite:/// or postgresql://"
    )


def describe_url(url: URL) -> str:
    """Name the database for messages: host, port and database, never the password."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or ':memory:'}"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL database {url.database or ''!r} on {url.host or 'localhost'}{port}"


def _is_memory(url: URL) -> bool:
    database = url.database or ""
    return database in {"", ":memory:"} or (
        database.startswith("file:") and "mode=memory" in database
    )


def _create_sqlite(url: URL) -> SqlDatabase:
    kwargs: dict[str, Any] = {}
    if _is_memory(url):
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        directory = Path(url.database or "").expanduser().resolve().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailableError(
                f"cannot create the directory {str(directory)!r} of the SQLite database"
            ) from e
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return SqlDatabase(engine, describe_url(url))


def _on_sqlite_connect(dbapi_connection: Any, _connection_record: Any) -> None:
    # The driver must not emit BEGIN on its own: _on_sqlite_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(_WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _create_postgresql(url: URL) -> SqlDatabase:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername != "postgresql+psycopg":
        # The bulk paths use psycopg 3's COPY and binary cursors.
        raise UnsupportedUriError(
            f"PostgreSQL database driver {url.drivername!r} is not supported; use postgresql:// "
            "or postgresql+psycopg:// (psycopg 3)"
        )
    if importlib.util.find_spec("psycopg") is None:
        raise MissingDependencyError("psycopg", "postgres")
    # No server-side prepared statements: after 5 executions psycopg would prepare a search
    # and PostgreSQL would switch to a generic plan, blind to the selectivity of the filter
    # values; measured 2x slower searches. Planning costs ~1 ms.
    # random_page_cost 1.1 (the usual SSD setting, against PostgreSQL's spinning-disk default
    # of 4): with the default the planner loads a search page's params/tags/metrics with
    # sequential scans of whole tables (~40 ms at 10k runs) instead of ~100 primary-key
    # probes (~4 ms). Set per session, so the server's configuration is left alone.
    # extra_float_digits 3: floats rendered as text (a search page's metrics) round-trip
    # exactly even if the server's configuration lowers it.
    connect_args = {
        "connect_timeout": 10,
        "prepare_threshold": None,
        "options": "-c random_page_cost=1.1 -c extra_float_digits=3",
    }
    engine = create_engine(url, connect_args=connect_args)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    event.listen(engine, "checkin", _note_checkin)
    return SqlDatabase(engine, describe_url(url))


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Check a pooled connection that sat idle before handing it out (a pessimistic ping).

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip per store
    call, which costs milliseconds on a loaded machine. A connection used in the last
    :data:`PING_AFTER_IDLE_SECONDS` is handed out as is; were the server restarted in that
    window, the call fails with ``StoreUnavailableError`` and SQLAlchemy discards the pool.

    Raises:
        DisconnectionError: The connection is dead; the pool replaces it and retries.
    """
    checked_in = record.info.get(_CHECKED_IN)
    if checked_in is not None and time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as e:
        raise DisconnectionError("the pooled connection is dead") from e


def check_connection(database: SqlDatabase) -> None:
    """Connect once, so that an unreachable server fails at open time.

    Raises:
        StoreUnavailableError: The database cannot be reached; the message names host and
            database, the driver's text is only in the chained exception.
    """
    try:
        with database.engine.connect():
            pass
    except DBAPIError as e:
        raise StoreUnavailableError(f"cannot connect to the {database.description}") from e
