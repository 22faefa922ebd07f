"""The ``driftloop`` command: global options, error handling and the sub-command groups."""

from __future__ import annotations

from typing import IO, Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from driftloop._version import __version__
from driftloop.cli.artifacts import artifacts
from driftloop.cli.controller import controller
from driftloop.cli.ct import ct
from driftloop.cli.db import db
from driftloop.cli.deployments import deployments
from driftloop.cli.experiments import experiments
from driftloop.cli.models import models
from driftloop.cli.monitor import monitor
from driftloop.cli.quickstart import quickstart
from driftloop.cli.render import console
from driftloop.cli.runs import runs
from driftloop.cli.serve import serve
from driftloop.cli.server import server
from driftloop.cli.state import CliState
from driftloop.cli.users import grants, tokens, users
from driftloop.errors import DriftloopError
from driftloop.tracking.uri import TRACKING_URI_ENV

_HELP = """\
driftloop records, compares and ships machine-learning models.

\b
Concepts:
  experiment  a named group of runs (e.g. "churn-model"); "Default" always exists
  run         one execution of training code: its params (write-once inputs),
              metrics (series of values by step), tags, datasets and artifacts (files)
  model       a trained model logged to a run (runs:/<run_id>/model): its files,
              signature, requirements and the reference profile of its training data
  registry    named models with numbered versions and aliases (models:/churn@champion)
  deployment  a registered model served under one name: its champion alias, an
              optional challenger (shadow or canary), promote and rollback
  tracking    where runs are stored: by default the folder ./.driftloop
              (a SQLite database plus an artifacts/ folder); set another with
              --tracking-uri or $DRIFTLOOP_TRACKING_URI (a directory, sqlite:///file.db
              or postgresql://user@host/db)

\b
Start with:
  driftloop quickstart              the whole loop: train, serve, detect drift, retrain, promote
  driftloop runs list -e quickstart compare them
"""


class CliError(click.ClickException):
    """A user-facing error: one red line on stderr, exit code 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``Error: <message>`` in red on stderr (or ``file``)."""
        message = " ".join(self.format_message().split())
        out = console(stderr=True) if file is None else Console(file=file, highlight=False)
        out.print(f"[bold red]Error:[/] [red]{escape(message)}[/]")


class DriftloopGroup(click.Group):
    """A group that turns driftloop errors into :class:`CliError` unless ``--debug``."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; map errors to a one-line message."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except DriftloopError as error:
            if _debug(ctx):
                raise
            raise CliError(error.message) from error
        except OSError as error:
            if _debug(ctx):
                raise
            raise CliError(
                f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
            ) from error


def _debug(ctx: click.Context) -> bool:
    state = ctx.find_object(CliState)
    return state is not None and state.debug


@click.group(
    cls=DriftloopGroup,
    help=_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--tracking-uri",
    envvar=TRACKING_URI_ENV,
    show_envvar=True,
    metavar="URI",
    help="Where runs are stored: a directory, sqlite:///path.db or postgresql://... "
    "[default: ./.driftloop]",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(__version__, "-V", "--version", prog_name="driftloop")
@click.pass_context
def cli(ctx: click.Context, tracking_uri: str | None, debug: bool) -> None:
    """The ``driftloop`` command group (help text in ``_HELP``)."""
    ctx.obj = CliState(tracking_uri=tracking_uri, debug=debug)


cli.add_command(experiments)
cli.add_command(runs)
cli.add_command(artifacts)
cli.add_command(models)
cli.add_command(deployments)
cli.add_command(db)
cli.add_command(quickstart)
cli.add_command(server)
cli.add_command(serve)
cli.add_command(monitor)
cli.add_command(ct)
cli.add_command(controller)
for auth_group in (users, tokens, grants):
    cli.add_command(auth_group)


def main() -> NoReturn:
    """Entry point of the ``driftloop`` script."""
    cli.main(prog_name="driftloop")
    raise SystemExit(0)  # pragma: no cover - click's standalone mode always exits


if __name__ == "__main__":
    main()
