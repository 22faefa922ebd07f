"""``driftloop db``: database schema maintenance."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url

from driftloop.cli.state import CliState, pass_state
from driftloop.tracking.uri import resolve_store_location


@click.group()
def db() -> None:
    """Maintain the tracking database."""


@db.command("upgrade")
@click.argument("uri", required=False)
@pass_state
def upgrade(state: CliState, uri: str | None) -> None:
    """Migrate the database at URI (default: the tracking URI) to the current schema.

    URI is a tracking URI: a directory, sqlite:///path.db or postgresql://...
    """
    from driftloop.store.sql import upgrade_database

    location = resolve_store_location(uri or state.resolved_tracking_uri())
    if location.local_dir is not None:
        location.local_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(location.db_uri)
    shown = make_url(location.db_uri).render_as_string(hide_password=True)
    click.echo(f"Database {shown} is up to date.")
