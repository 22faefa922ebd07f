"""Alembic environment of the driftloop tracking schema.

driftloop runs migrations in code (see ``driftloop.store.sql.schema``): it passes an open
connection, already inside a locked transaction, in ``config.attributes["connection"]``. For
developers who run ``alembic`` by hand (e.g. ``revision --autogenerate``), a URL in the
``sqlalchemy.url`` main option works too.
"""

from alembic import context
from sqlalchemy import create_engine, pool

from driftloop.store.sql.auth_tables import metadata as auth_metadata
from driftloop.store.sql.models import metadata
from driftloop.store.sql.schema import VERSION_TABLE

TARGETS = [metadata, auth_metadata]

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=TARGETS,
        version_table=VERSION_TABLE,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=TARGETS,
            version_table=VERSION_TABLE,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context.configure(
                connection=conn,
                target_metadata=TARGETS,
                version_table=VERSION_TABLE,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
