"""``driftloop ct``: ask for a retraining, and read what the CT controller did and why."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text

from driftloop.cli import render
from driftloop.cli.state import CliState, pass_state
from driftloop.ct._controller_manual import request_manual_trigger
from driftloop.entities import CtEpisode, CtEvent
from driftloop.errors import InvalidParameterError
from driftloop.store.ct_base import CtStore
from driftloop.tracking.context import current_user
from driftloop.tracking.uri import get_stores

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def ct_store(tracking_uri: str) -> CtStore:
    """The CT store behind ``tracking_uri``: a folder, SQLite, PostgreSQL, or a server.

    Raises:
        InvalidParameterError: The tracking URI's stores have no CT store.
    """
    stores = get_stores(tracking_uri)
    store = getattr(stores, "ct", None)
    if not isinstance(store, CtStore):
        raise InvalidParameterError(
            "continuous training needs a tracking folder, sqlite:///, postgresql:// or "
            "http(s):// (driftloop server) tracking URI",
            field="tracking_uri",
        )
    return store


@click.group("ct")
def ct() -> None:
    r"""Continuous training: manual triggers, episodes and the controller's event log.

    \b
    An episode is one retraining of a deployment: triggered -> training -> gating ->
    shadow -> canary -> promoted (or rejected, rolled_back, failed). The controller
    (driftloop controller --policy FILE) runs them; every decision is an event with
    its evidence.

    \b
    Example:
      driftloop ct trigger churn-api --reason "new pricing went live"
      driftloop ct status churn-api
      driftloop ct events churn-api --episode 3f2a...
    """


@ct.command("trigger")
@click.argument("deployment")
@click.option("--reason", default="", help="Why (kept in the episode's evidence).")
@pass_state
def trigger(state: CliState, deployment: str, reason: str) -> None:
    """Ask DEPLOYMENT's controller to retrain now (its next tick starts an episode).

    Refused while an episode is in progress, and for a deployment that does not exist. The
    request waits in the event log, so it is taken even if no controller runs right now.
    """
    state.client.get_deployment(deployment)  # DeploymentNotFoundError names the deployment
    store = ct_store(state.resolved_tracking_uri())
    event = request_manual_trigger(store, deployment, reason=reason, requested_by=current_user())
    render.console().print(
        f"retraining of {deployment} requested (event {event.event_id}); "
        "the controller starts it at its next tick",
        markup=False,
    )


@ct.command("status")
@click.argument("deployment")
@click.option(
    "--events",
    "event_count",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="How many of the latest events to show.",
)
@_json_option
@pass_state
def status(state: CliState, deployment: str, event_count: int, as_json: bool) -> None:
    """The active (or else the latest) episode of DEPLOYMENT, the lease and the last events."""
    store = ct_store(state.resolved_tracking_uri())
    episode = store.get_active_episode(deployment)
    if episode is None:
        latest = store.list_episodes(deployment, max_results=1).items
        episode = latest[0] if latest else None
    lease = store.get_lease(f"ct:{deployment}")
    events = _latest_events(store, deployment, event_count)
    if as_json:
        render.echo_json(
            {
                "episode": None if episode is None else episode.to_dict(),
                "lease": None
                if lease is None
                else {"holder": lease.holder, "expires": lease.expires, "acquired": lease.acquired},
                "events": [event.to_dict() for event in events],
            }
        )
        return
    out = render.console()
    if episode is None:
        out.print(f"{deployment}: no episode yet", markup=False)
    else:
        out.print(_episode_table(deployment, episode))
    if lease is not None:
        lapsed = " (lapsed)" if lease.expires <= int(time.time() * 1000) else ""
        out.print(
            f"lease ct:{deployment}: {lease.holder} until "
            f"{render.format_time(lease.expires)}{lapsed}",
            markup=False,
        )
    if events:
        out.print(events_table(events, title="latest events"))


@ct.command("events")
@click.argument("deployment")
@click.option("--episode", "episode_id", default=None, help="Only this episode's events.")
@click.option("--max-results", type=click.IntRange(1, 10_000), default=1000, show_default=True)
@_json_option
@pass_state
def events(
    state: CliState, deployment: str, episode_id: str | None, max_results: int, as_json: bool
) -> None:
    """DEPLOYMENT's CT event log, oldest first: every decision, its evidence below it."""
    store = ct_store(state.resolved_tracking_uri())
    page = store.list_events(deployment, episode_id=episode_id, max_results=max_results)
    if as_json:
        render.echo_json([event.to_dict() for event in page.items])
        return
    out = render.console()
    for event in page.items:
        episode = (event.episode_id or "-")[:8]
        line = Text(f"{event.event_id:>5}  {render.format_time(event.timestamp)}  {episode:<8}  ")
        line.append(f"{event.kind:<22}", style="bold")
        line.append(f"  {event.message}")
        out.print(line)
        if event.evidence:
            evidence = json.dumps(dict(event.evidence), sort_keys=True, separators=(",", ":"))
            out.print(Text(f"       {evidence}", style="dim"))


def events_table(events: Sequence[CtEvent], *, title: str | None, evidence: bool = False) -> Table:
    """Events, one per row (with their evidence as compact JSON when ``evidence``)."""
    columns = ["ID", "Time", "Episode", "Kind", "Message"]
    rows = []
    for event in events:
        row = [
            str(event.event_id),
            render.format_time(event.timestamp),
            (event.episode_id or "-")[:8],
            event.kind,
            event.message,
        ]
        if evidence:
            row.append(json.dumps(dict(event.evidence), sort_keys=True, separators=(",", ":")))
        rows.append(row)
    return render.table(title, [*columns, "Evidence"] if evidence else columns, rows)


def _episode_table(deployment: str, episode: CtEpisode) -> Table:
    table = Table(title=Text(f"{deployment}: episode"), title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in _episode_rows(episode).items():
        table.add_row(Text(key), Text(value))
    return table


def _episode_rows(episode: CtEpisode) -> dict[str, str]:
    return {
        "episode": episode.episode_id,
        "phase": episode.phase.value
        + (f" (step {episode.canary_step})" if episode.canary_step >= 0 else ""),
        "trigger": episode.trigger.value,
        "champion": "-" if episode.champion_version is None else f"v{episode.champion_version}",
        "challenger": "-"
        if episode.challenger_version is None
        else f"v{episode.challenger_version}",
        "pipeline run": episode.pipeline_run_id or "-",
        "started": render.format_time(episode.created),
        "phase since": render.format_time(episode.phase_started),
        "updated": render.format_time(episode.updated),
        "message": episode.message or "-",
    }


def _latest_events(store: CtStore, deployment: str, count: int) -> list[CtEvent]:
    """The newest ``count`` events (the log pages oldest first, by id)."""
    found: list[CtEvent] = []
    token: str | None = None
    while True:
        page = store.list_events(deployment, max_results=1000, page_token=token)
        found = [*found, *page.items][-count:]
        token = page.next_page_token
        if not token:
            return found
