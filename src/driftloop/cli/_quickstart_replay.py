"""The replay: traffic to the scoring server, delayed feedback, monitoring and CT, batch by batch.

Each batch of the replay is sent one request per row to the real scoring server; the labels
of the rows at least ``label_delay`` rows old are sent to ``/v1/feedback``; once the server's
inference log holds them, the deployment is monitored (a run recorded in the MonitorStore,
as ``driftloop monitor run --record`` does) and the CT controller ticks until it has nothing
more to do right now. The controller is the real one, running its pipeline with the local
executor; the scoring server hot-swaps whatever it sets in the registry. The live timeline
is a progress bar for the replay and one printed line per monitor verdict change and per CT
decision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from driftloop.cli._quickstart_stream import Stream
from driftloop.cli.quickstart_serving import (
    DEPLOYMENT,
    FLUSH_SECONDS,
    POLL_SECONDS,
    ScoringClient,
)
from driftloop.ct.controller import Controller, TickAction, TickOutcome
from driftloop.entities import CtPhase, MonitorVerdict
from driftloop.monitoring.monitor_run import MonitorResult, monitor_deployment
from driftloop.store.monitor_base import MonitorStore
from driftloop.tracking import Client

MONITOR_WINDOW = 500
"""Rows each monitor run looks at (the newest ones)."""
_MAX_TICKS_PER_BATCH = 12
_STYLES = {
    TickAction.STARTED: "bold cyan",
    TickAction.ADVANCED: "cyan",
    TickAction.FINISHED: "bold green",
    TickAction.ERROR: "bold red",
}


@dataclass
class Replay:
    """What the replay did: request ids by replay row, and where the episode's phases fell.

    Attributes:
        request_ids: The request id of each replay row, in row order.
        phase_rows: Replay row (rows sent so far) -> phase reached then, in order.
        outcomes: Every tick that made progress or failed.
        promoted_row: Rows sent when the challenger was promoted, or None.
    """

    request_ids: list[str] = field(default_factory=list)
    phase_rows: list[tuple[int, CtPhase]] = field(default_factory=list)
    outcomes: list[TickOutcome] = field(default_factory=list)
    promoted_row: int | None = None


@dataclass(frozen=True, slots=True)
class ReplayContext:
    """The live pieces the replay drives."""

    client: Client
    scoring: ScoringClient
    controller: Controller
    monitor_store: MonitorStore
    log_root: str
    console: Console


def replay(context: ReplayContext, stream: Stream) -> Replay:
    """Send the replay rows batch by batch (see the module docstring)."""
    layout = stream.layout
    done = Replay()
    labelled = 0
    verdict: MonitorVerdict | None = None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=context.console) as progress:
        task = progress.add_task("replaying traffic", total=layout.replay)
        for start in range(0, layout.replay, layout.batch):
            rows = stream.replay_features.iloc[start : start + layout.batch]
            if start <= layout.change < start + layout.batch:
                context.console.print(
                    f"[dim]row {layout.change:>5}[/dim]  [magenta]stream[/magenta]  the concept "
                    "changes from here on (and the inputs move)",
                    highlight=False,
                )
            done.request_ids += context.scoring.predict(rows)
            sent = len(done.request_ids)
            progress.update(task, completed=sent, description=_describe(done))
            ready = max(0, sent - layout.label_delay)
            if ready > labelled:
                context.scoring.feedback(
                    done.request_ids[labelled:ready], stream.replay_labels[labelled:ready].tolist()
                )
                labelled = ready
            time.sleep(FLUSH_SECONDS * 2.5)  # the server's log writer flushes every 0.2 s
            result = monitor_deployment(
                context.client,
                DEPLOYMENT,
                context.log_root,
                last_rows=MONITOR_WINDOW,
                store=context.monitor_store,
            )
            verdict = _print_verdict_change(context.console, sent, verdict, result)
            _tick(context, done, sent)
    return done


def _tick(context: ReplayContext, done: Replay, sent: int) -> None:
    """Tick until the controller waits or idles; print each decision."""
    changed = False
    for _ in range(_MAX_TICKS_PER_BATCH):
        outcome = context.controller.tick()
        if outcome.action in _STYLES:
            done.outcomes.append(outcome)
            style = _STYLES[outcome.action]
            context.console.print(
                f"[dim]row {sent:>5}[/dim]  [{style}]ct[/{style}]  {escape(outcome.message)}",
                highlight=False,
            )
        if outcome.phase is not None and outcome.progressed:
            done.phase_rows.append((sent, outcome.phase))
            if outcome.phase is CtPhase.PROMOTED:
                done.promoted_row = sent
        if not outcome.progressed:
            break
        changed = True
    if changed:  # let the scoring server swap to what the controller set before the next batch
        time.sleep(POLL_SECONDS * 2.5)


def _print_verdict_change(
    console: Console, sent: int, previous: MonitorVerdict | None, result: MonitorResult
) -> MonitorVerdict:
    drift = result.drift
    current = drift.verdict
    if current is not previous and current is not MonitorVerdict.INSUFFICIENT_DATA:
        style = "bold red" if current is MonitorVerdict.DRIFT else "green"
        columns = ", ".join(drift.drifted_columns[:4]) or "none"
        accuracy = ""
        if result.performance is not None and "accuracy" in result.performance.current:
            live = result.performance.current["accuracy"]
            accuracy = f"; live accuracy {live:.3f} on {result.labelled_rows} labelled rows"
        console.print(
            f"[dim]row {sent:>5}[/dim]  [{style}]monitor[/{style}]  v{result.model_version}: "
            f"{current.value} ({drift.drifted_share:.0%} of columns drifted: "
            f"{escape(columns)}){accuracy}",
            highlight=False,
        )
    return current


def _describe(done: Replay) -> str:
    phase = done.phase_rows[-1][1].value if done.phase_rows else "watching"
    return f"replaying traffic [{phase}]"
