"""SQLAlchemy 2 implementation of the tracking stores, on SQLite or PostgreSQL."""

from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.experiments import SqlExperimentStore
from driftloop.store.sql.runs import SqlRunStore
from driftloop.store.sql.stores import SqlStores, open_sql_stores, upgrade_database

__all__ = [
    "SqlDatabase",
    "SqlExperimentStore",
    "SqlRunStore",
    "SqlStores",
    "open_sql_stores",
    "upgrade_database",
]
