"""``driftloop users``, ``tokens`` and ``grants``: manage who may use an ``--auth`` server.

They act directly on the server's database (``--backend-store-uri``, same default as
``driftloop server``), so the first admin is created here: there is no default user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from driftloop.cli.render import console, format_time, table
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.parsing import parse_permission, parse_role
from driftloop.server.auth.passwords import MIN_PASSWORD_LENGTH, check_password_strength
from driftloop.server.auth.sql_store import SqlAuthStore

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BACKEND_STORE_URI = "./.driftloop"
"""The default of ``driftloop server --backend-store-uri``."""


def _backend_option(command: F) -> F:
    return click.option(
        "--backend-store-uri",
        default=DEFAULT_BACKEND_STORE_URI,
        show_default=True,
        help="The server's database: a folder, sqlite:///file.db or postgresql://user@host/db.",
    )(command)


@contextlib.contextmanager
def _auth_store(backend_store_uri: str) -> Iterator[SqlAuthStore]:
    from driftloop.store.sql import open_sql_stores
    from driftloop.tracking.uri import resolve_store_location

    location = resolve_store_location(backend_store_uri)
    if location.local_dir is not None:
        location.local_dir.mkdir(parents=True, exist_ok=True)
    stores = open_sql_stores(location.db_uri, location.artifact_root)
    try:
        yield SqlAuthStore(stores.database)
    finally:
        stores.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    check_password_strength(password)
    return password


_ROLES = click.Choice([role.value for role in Role])
_PERMISSIONS = click.Choice([permission.value for permission in GrantPermission])


@click.group()
def users() -> None:
    """Manage the users of a server started with --auth (roles: guest, reader, editor, admin)."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=_ROLES, required=True, help="The user's global role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@click.option("--no-password", is_flag=True, help="Token-only user (a service account).")
@_backend_option
def create_user(
    name: str, role: str, password_stdin: bool, no_password: bool, backend_store_uri: str
) -> None:
    """Create user NAME; the password is asked for twice unless --password-stdin."""
    password = None if no_password else _read_password(password_stdin)
    with _auth_store(backend_store_uri) as store:
        user = store.create_user(name, parse_role(role), password)
    click.echo(f"Created user {user.name!r} with role {user.role.value}.")


@users.command("list")
@_backend_option
def list_users(backend_store_uri: str) -> None:
    """List users and their roles."""
    with _auth_store(backend_store_uri) as store:
        found = store.list_users()
    rows = [
        (u.name, u.role.value, "yes" if u.has_password else "no", format_time(u.created))
        for u in found
    ]
    console().print(table(None, ("Name", "Role", "Password", "Created"), rows))


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=_ROLES)
@_backend_option
def set_role(name: str, role: str, backend_store_uri: str) -> None:
    """Change the role of user NAME to ROLE."""
    with _auth_store(backend_store_uri) as store:
        user = store.set_user_role(name, parse_role(role))
    click.echo(f"User {user.name!r} now has role {user.role.value}.")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@_backend_option
def set_password(name: str, password_stdin: bool, backend_store_uri: str) -> None:
    """Set the password of user NAME."""
    password = _read_password(password_stdin)
    with _auth_store(backend_store_uri) as store:
        store.set_user_password(name, password)
    click.echo(f"Password of {name!r} changed.")


@users.command("delete")
@click.argument("name")
@_backend_option
def delete_user(name: str, backend_store_uri: str) -> None:
    """Delete user NAME with their tokens and grants."""
    with _auth_store(backend_store_uri) as store:
        store.delete_user(name)
    click.echo(f"Deleted user {name!r}.")


@click.group()
def tokens() -> None:
    """Manage API tokens (sent as 'Authorization: Bearer <token>' or MLFLOW_TRACKING_TOKEN)."""


@tokens.command("create")
@click.option("--user", required=True, help="The user the token authenticates as.")
@click.option("--name", default="", help="What the token is for.")
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Lifetime in days.")
@_backend_option
def create_token(user: str, name: str, expires_days: int | None, backend_store_uri: str) -> None:
    """Create a token and print it; it is shown only this once."""
    expires = None
    if expires_days is not None:
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_days)
        expires = int(moment.timestamp() * 1000)
    with _auth_store(backend_store_uri) as store:
        created = store.create_token(user, name, expires)
    click.echo(f"Token {created.token.token_id} for {user!r} (shown only once):", err=True)
    click.echo(created.secret)


@tokens.command("list")
@click.option("--user", help="Only this user's tokens.")
@_backend_option
def list_tokens(user: str | None, backend_store_uri: str) -> None:
    """List tokens (ids, owners, dates; never the secrets)."""
    with _auth_store(backend_store_uri) as store:
        found = store.list_tokens(user)
    rows = [
        (
            t.token_id,
            t.user,
            t.name,
            format_time(t.created),
            format_time(t.last_used),
            format_time(t.expires),
            format_time(t.revoked),
        )
        for t in found
    ]
    columns = ("Id", "User", "Name", "Created", "Last used", "Expires", "Revoked")
    console().print(table(None, columns, rows))


@tokens.command("revoke")
@click.argument("token_id")
@_backend_option
def revoke_token(token_id: str, backend_store_uri: str) -> None:
    """Revoke token TOKEN_ID (servers stop accepting it within seconds)."""
    with _auth_store(backend_store_uri) as store:
        store.revoke_token(token_id)
    click.echo(f"Revoked token {token_id}.")


def _target(experiment: str | None, model: str | None) -> tuple[ResourceType, str]:
    if (experiment is None) == (model is None):
        raise click.UsageError("give exactly one of --experiment and --model")
    if experiment is not None:
        return ResourceType.EXPERIMENT, experiment
    assert model is not None  # noqa: S101 - checked above
    return ResourceType.REGISTERED_MODEL, model


_experiment_option = click.option("--experiment", metavar="ID", help="An experiment id.")
_model_option = click.option("--model", metavar="NAME", help="A registered model name.")


@click.group()
def grants() -> None:
    """Give users read, edit or manage permission on single experiments or models."""


@grants.command("set")
@click.argument("user")
@_experiment_option
@_model_option
@click.option("--permission", type=_PERMISSIONS, required=True)
@_backend_option
def set_grant(
    user: str,
    experiment: str | None,
    model: str | None,
    permission: str,
    backend_store_uri: str,
) -> None:
    """Give USER a permission on one experiment or registered model."""
    kind, resource_id = _target(experiment, model)
    with _auth_store(backend_store_uri) as store:
        grant = store.set_grant(user, kind, resource_id, parse_permission(permission))
    click.echo(f"{grant.user!r} has {grant.permission.value} on {kind.value} {resource_id!r}.")


@grants.command("delete")
@click.argument("user")
@_experiment_option
@_model_option
@_backend_option
def delete_grant(
    user: str, experiment: str | None, model: str | None, backend_store_uri: str
) -> None:
    """Remove USER's grant on one experiment or registered model."""
    kind, resource_id = _target(experiment, model)
    with _auth_store(backend_store_uri) as store:
        store.delete_grant(user, kind, resource_id)
    click.echo(f"Removed the grant of {user!r} on {kind.value} {resource_id!r}.")


@grants.command("list")
@click.option("--user", help="Only this user's grants.")
@_backend_option
def list_grants(user: str | None, backend_store_uri: str) -> None:
    """List grants."""
    with _auth_store(backend_store_uri) as store:
        found = store.list_grants(user)
    rows = [(g.user, g.resource_type.value, g.resource_id, g.permission.value) for g in found]
    console().print(table(None, ("User", "Resource type", "Resource", "Permission"), rows))
