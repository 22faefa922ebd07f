"""``driftloop quickstart``: the whole loop on embedded defaults, in a few minutes.

A labelled stream with concept drift at a known row (:mod:`._quickstart_stream`); version 1
trained by a small sweep and registered as champion (:mod:`._quickstart_train`); the
deployment served in-process (:mod:`.quickstart_serving`); traffic replayed with delayed
feedback while the monitor and the real CT controller watch it (:mod:`._quickstart_replay`):
drift detected, retrained, gated, shadowed, canaried, promoted; then accuracy per segment,
the HTML monitoring report, and where to look (:mod:`._quickstart_summary`).
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

import driftloop
from driftloop.cli import render
from driftloop.cli._quickstart_model import sklearn
from driftloop.cli._quickstart_policy import write_policy
from driftloop.cli._quickstart_replay import ReplayContext, replay
from driftloop.cli._quickstart_stream import FAST, FULL, make_stream
from driftloop.cli._quickstart_summary import (
    Segment,
    segment_accuracy,
    where_to_look,
    write_report,
)
from driftloop.cli._quickstart_train import train_version_one
from driftloop.cli.ct import ct_store
from driftloop.cli.quickstart_serving import (
    DEPLOYMENT,
    FLUSH_SECONDS,
    ScoringClient,
    serve_api,
    serve_deployment,
)
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.ct.controller import Controller
from driftloop.ct.policy import load_policy
from driftloop.errors import DeploymentNotFoundError, InvalidParameterError
from driftloop.tracking.uri import get_stores, resolve_store_location

EXPERIMENT_NAME = "quickstart"
MODEL_NAME = "quickstart-classifier"


@click.command()
@click.option("--experiment", default=EXPERIMENT_NAME, show_default=True, help="Experiment name.")
@click.option(
    "--model-name", default=MODEL_NAME, show_default=True, help="Registered model to create."
)
@click.option("--seed", default=42, show_default=True, help="Seed of the stream and the models.")
@click.option("--fast", is_flag=True, help="Fewer rows (the same steps), for CI: about a minute.")
@click.option(
    "--keep-running",
    is_flag=True,
    help="Leave the scoring server and the tracking API up until Ctrl-C.",
)
@pass_state
def quickstart(
    state: CliState, experiment: str, model_name: str, seed: int, fast: bool, keep_running: bool
) -> None:
    """Run the whole loop: train, serve, drift, detect, retrain, gate, roll out, promote.

    A RandomRBF stream (river) changes concept at a known row. Version 1 is trained (a sweep of
    3 runs), registered as @champion and served; traffic is replayed with delayed feedback;
    the monitor sees the drift, the CT controller retrains, gates, shadows, canaries and
    promotes version 2. Prints accuracy before drift, during drift and after promotion, and
    writes the HTML monitoring report. Uses the tracking folder (default ./.driftloop).
    """
    started = time.monotonic()
    sklearn("ensemble")  # fail early, with the pip line, when an extra is missing
    layout = FAST if fast else FULL
    tracking_uri = state.resolved_tracking_uri()
    location = resolve_store_location(tracking_uri)
    folder = location.local_dir or Path.cwd()
    log_root = default_inference_log_uri(tracking_uri)
    driftloop.set_tracking_uri(tracking_uri)
    driftloop.set_experiment(experiment)
    client = driftloop.Client()
    _refuse_second_run(client, tracking_uri)
    stream = make_stream(layout, seed)
    out = render.console()
    out.print(
        f"[bold]driftloop quickstart[/bold]: {layout.history} history rows, then "
        f"{layout.replay} requests; the concept changes at request {layout.change}.",
        highlight=False,
    )
    with out.status("training version 1 (a sweep of 3 configurations)") as status:
        trained = train_version_one(
            stream, model_name, seed, lambda name: status.update(f"training {name}")
        )
    accuracies = ", ".join(f"{value:.3f}" for value in trained.accuracies)
    out.print(
        f"sweep run {trained.sweep_run_id}: validation accuracy {accuracies}; the best "
        f"(run {trained.best_run_id}) is v{trained.champion_version} [bold]@champion[/bold], "
        f"served as {DEPLOYMENT!r}",
        highlight=False,
    )
    policy_path = write_policy(folder, DEPLOYMENT, seed)
    out.print(f"CT policy written to {escape(str(policy_path))}", highlight=False)
    stores = get_stores(tracking_uri)
    replay_started_ms = int(time.time() * 1000)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(serve_deployment(client, tracking_uri, log_root))
        scoring = ScoringClient(url)
        stack.callback(scoring.close)
        controller = Controller(
            load_policy(policy_path),
            client=client,
            store=ct_store(tracking_uri),
            monitor_store=stores.monitoring,
            inference_log_uri=log_root,
            holder=f"quickstart-{socket.gethostname()}",
            experiment=f"ct-{DEPLOYMENT}",
        )
        controller.record_start()  # the policy in force, in the event log and the UI
        context = ReplayContext(client, scoring, controller, stores.monitoring, log_root, out)
        done = replay(context, stream)
        # The labels still held back by the delay arrive at the end.
        tail = len(done.request_ids) - layout.label_delay
        scoring.feedback(done.request_ids[tail:], stream.replay_labels[tail:].tolist())
        time.sleep(FLUSH_SECONDS * 2.5)
        segments = segment_accuracy(log_root, done, layout)
        report_path = write_report(client, log_root, stores.monitoring, folder, replay_started_ms)
        _print_results(out, segments, client, model_name)
        out.print(
            where_to_look(
                tracking_uri=tracking_uri,
                explicit_uri=state.tracking_uri is not None,
                folder=folder,
                artifact_root=location.artifact_root,
                policy_path=policy_path,
                report_path=report_path,
                model_name=model_name,
                experiment=experiment,
            ),
            markup=False,
            highlight=False,
        )
        out.print(f"done in {time.monotonic() - started:.0f} s", highlight=False)
        if keep_running:
            api = stack.enter_context(serve_api(tracking_uri, log_root))
            _wait(out, url, api)


def _refuse_second_run(client: driftloop.Client, tracking_uri: str) -> None:
    try:
        client.get_deployment(DEPLOYMENT)
    except DeploymentNotFoundError:
        return
    raise InvalidParameterError(
        f"{tracking_uri} already holds the quickstart's deployment {DEPLOYMENT!r} (and its CT "
        "history); run it on a new folder: driftloop --tracking-uri ./quickstart-2 quickstart",
        field="tracking_uri",
    )


def _print_results(
    out: Console, segments: list[Segment], client: driftloop.Client, model_name: str
) -> None:
    champion = client.get_version_by_alias(model_name, "champion").version
    out.print("\n[bold]Accuracy of the answers users got[/bold] (inference log + feedback):")
    for segment in segments:
        value = "n/a" if segment.accuracy is None else f"{segment.accuracy:.3f}"
        versions = ", ".join(f"v{v}" for v in segment.versions) or "-"
        out.print(
            f"  {segment.name:<16} {value:>6}  requests {segment.start}-{segment.end} "
            f"({segment.labelled} labelled, answered by {versions})",
            highlight=False,
        )
    out.print(f"{model_name!r} @champion is now v{champion}\n", highlight=False)


def _wait(out: Console, scoring_url: str, api_url: str) -> None:
    out.print(
        f"\nScoring server: {scoring_url}/v1/predict (POST), {scoring_url}/metrics\n"
        f"Web UI:         {api_url}/  (experiments, models, deployments, monitoring, CT)\n"
        f"Tracking API:   {api_url}/api/2.0/mlflow/experiments/search (MLflow-compatible)\n"
        "Ctrl-C to stop.",
        highlight=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(1)
