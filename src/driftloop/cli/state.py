"""What the top-level ``driftloop`` options give every command: tracking URI and debug flag."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import click

from driftloop.tracking import Client, get_tracking_uri

P = ParamSpec("P")
R = TypeVar("R")


class CliState:
    """Options of the ``driftloop`` group, and the client built from them on first use.

    Attributes:
        tracking_uri: The ``--tracking-uri`` value (None: the API's default resolution).
        debug: Whether ``--debug`` was given (errors then show their traceback).
    """

    def __init__(self, tracking_uri: str | None = None, debug: bool = False) -> None:
        self.tracking_uri = tracking_uri or None
        self.debug = debug
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The tracking client (opened on first use, so ``--help`` never touches a store)."""
        if self._client is None:
            self._client = Client(self.tracking_uri)
        return self._client

    def resolved_tracking_uri(self) -> str:
        """The tracking URI commands act on."""
        return self.tracking_uri or get_tracking_uri()


def pass_state(command: Callable[Concatenate[CliState, P], R]) -> Callable[P, R]:
    """Decorator handing the :class:`CliState` to a command as its first argument."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = click.get_current_context()
        state = context.find_object(CliState)
        if state is None:
            state = context.ensure_object(CliState)
        return command(state, *args, **kwargs)

    return wrapper
