"""``driftloop controller``: run the CT controller of one deployment, one line per decision."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

import click
from rich.console import Console
from rich.markup import escape

from driftloop.cli import render
from driftloop.cli.ct import ct_store
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.ct.controller import Controller, TickAction, TickOutcome
from driftloop.ct.policy import load_policy, parse_duration
from driftloop.errors import InvalidParameterError
from driftloop.tracking.uri import get_stores

_MIN_LEASE_TTL_S = 30

_STYLES = {
    TickAction.STANDBY: "dim",
    TickAction.IDLE: "dim",
    TickAction.STARTED: "bold cyan",
    TickAction.ADVANCED: "cyan",
    TickAction.HOLD: "yellow",
    TickAction.FINISHED: "bold green",
    TickAction.ERROR: "bold red",
}


@click.command("controller")
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The deployment's CT policy (YAML).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where the training pipeline's steps run.",
)
@click.option(
    "--ray-address", default=None, help="The Ray cluster (default: $RAY_ADDRESS or local)."
)
@click.option(
    "--interval",
    default="30s",
    show_default=True,
    help="Time between ticks: 10s, 1m (a tick that made progress is followed at once).",
)
@click.option(
    "--once",
    is_flag=True,
    help="One tick, then exit. The lease is kept for its TTL when --holder is given (run "
    "--once from cron with a fixed --holder), else given back.",
)
@click.option(
    "--inference-log",
    metavar="URI",
    help="The inference log's root (default: <artifact root>/inference-log of a local store).",
)
@click.option(
    "--holder",
    default=None,
    help="This replica's name in the lease (default: host-pid). A restarted replica with the "
    "same name takes its lease back at once.",
)
@click.option(
    "--experiment", default=None, help="Where pipeline runs go [default: ct-<deployment>]."
)
@pass_state
def controller(
    state: CliState,
    policy_path: str,
    executor: str,
    ray_address: str | None,
    interval: str,
    once: bool,
    inference_log: str | None,
    holder: str | None,
    experiment: str | None,
) -> None:
    """Retrain the policy's deployment when a trigger fires, gate, roll out, promote or roll back.

    Each tick prints one line: what was decided and why. Every decision is also in the CT
    event log (driftloop ct events DEPLOYMENT). Several replicas may run: the one holding
    the lease ct:DEPLOYMENT acts, the others stand by; the lease lasts three intervals (at
    least 30 s), so a standby takes over within that long after the active one dies. Ctrl-C
    (or SIGTERM) stops after the current tick and releases the lease.
    """
    try:
        interval_s = parse_duration(interval).total_seconds()
    except ValueError as error:
        raise InvalidParameterError(f"--interval: {error}", field="interval") from None
    policy = load_policy(policy_path)
    tracking_uri = state.resolved_tracking_uri()
    running = Controller(
        policy,
        client=state.client,
        store=ct_store(tracking_uri),
        monitor_store=get_stores(tracking_uri).monitoring,
        inference_log_uri=inference_log or default_inference_log_uri(tracking_uri),
        holder=holder or f"{socket.gethostname()}-{os.getpid()}",
        executor=executor,
        ray_address=ray_address,
        experiment=experiment,
        # Renewed every tick: it must outlive the pause between two ticks.
        lease_ttl_ms=int(max(_MIN_LEASE_TTL_S, 3 * interval_s) * 1000),
    )
    out = render.console()
    if once:
        outcome = running.tick()
        if holder is None:  # a one-off name: nobody will renew it, let the next one take it
            ct_store(tracking_uri).release_lease(f"ct:{policy.deployment}", running.holder)
        print_outcome(out, outcome)
        if outcome.action is TickAction.ERROR:
            raise SystemExit(1)
        return
    out.print(
        f"controller {running.holder} for {policy.deployment}: a tick every {interval}",
        markup=False,
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _stopper(stop))
    try:
        running.run(interval_s=interval_s, stop=stop, on_tick=lambda o: print_outcome(out, o))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    out.print("stopped", markup=False)


def print_outcome(out: Console, outcome: TickOutcome) -> None:
    """One line: time, action, episode, phase and the decision in words."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    episode = (outcome.episode_id or "-")[:8]
    phase = "-" if outcome.phase is None else outcome.phase.value
    style = _STYLES[outcome.action]
    out.print(
        f"{stamp}  [{style}]{outcome.action.value:<8}[/]  {escape(outcome.deployment)}  "
        f"{episode:<8}  {phase:<11}  {escape(outcome.message)}"
    )


def _stopper(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
        stop.set()

    return handler
