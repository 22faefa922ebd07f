"""``driftloop quickstart``: train a few small models, record, package and register them.

The code doubles as an example of the fluent API: a parent "sweep" run with one child run per
configuration, params, per-epoch metrics, a dataset input and a JSON report artifact; each
child logs its model (signature, requirements and reference profile of the training data) and
registers it as a version of one registered model; the best version becomes ``champion``, the
runner-up ``challenger``, and the champion is loaded back by alias and checked.
"""

from __future__ import annotations

import importlib
import json
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

import driftloop
from driftloop.cli import render
from driftloop.cli.quickstart_serving import DEPLOYMENT, REQUESTS, serve_and_feed_back
from driftloop.cli.state import CliState, pass_state
from driftloop.errors import MissingDependencyError

EXPERIMENT_NAME = "quickstart"
MODEL_NAME = "quickstart-classifier"
SEED = 42
EPOCHS = 12


@dataclass(frozen=True, slots=True)
class Config:
    """One model configuration of the sweep."""

    loss: str
    alpha: float
    penalty: str


CONFIGS = (
    Config("log_loss", 1e-4, "l2"),
    Config("hinge", 1e-3, "l2"),
    Config("modified_huber", 1e-4, "elasticnet"),
    Config("log_loss", 1e-2, "l1"),
)


@click.command()
@click.option("--experiment", default=EXPERIMENT_NAME, show_default=True, help="Experiment name.")
@click.option(
    "--model-name", default=MODEL_NAME, show_default=True, help="Registered model to add to."
)
@pass_state
def quickstart(state: CliState, experiment: str, model_name: str) -> None:
    """Train 4 small classifiers on synthetic data, record and register them.

    Each model is logged with its signature and the reference profile of its training data,
    registered as a version of MODEL_NAME; the best becomes @champion, the next @challenger.
    """
    data = _load_data()
    driftloop.set_tracking_uri(state.resolved_tracking_uri())
    driftloop.set_experiment(experiment)
    out = render.console()
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=out
    )
    with progress, driftloop.start_run(run_name="sweep", tags={"quickstart": "true"}) as sweep:
        task = progress.add_task("training", total=len(CONFIGS) * EPOCHS)
        driftloop.log_input(data["x_train"], context="training", name="synthetic-train")
        scores: list[tuple[float, int]] = []
        for config in CONFIGS:
            run_name = f"sgd-{config.loss}-{config.penalty}"
            progress.update(task, description=f"training {run_name}")
            with driftloop.start_run(run_name=run_name, nested=True):
                accuracy, version = _train(config, data, model_name, lambda: progress.advance(task))
            scores.append((accuracy, version))
        driftloop.log_metric("best_accuracy", max(scores)[0])
        progress.update(task, description="done")
    _promote(model_name, scores, data)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=out
    ) as serving:
        task = serving.add_task("serving + feedback", total=REQUESTS)
        served = serve_and_feed_back(
            model_name,
            str(driftloop.get_tracking_uri()),
            data,
            lambda: serving.advance(task),
        )
    _print_summary(state, sweep, experiment, model_name)
    _print_serving(served)


def _sklearn(module: str) -> Any:
    # Imported by name: scikit-learn is an optional extra and ships no type information.
    try:
        return importlib.import_module(f"sklearn.{module}")
    except ImportError as error:
        raise MissingDependencyError("scikit-learn", "quickstart") from error


def _load_data() -> dict[str, Any]:
    features, labels = _sklearn("datasets").make_classification(
        n_samples=3000, n_features=20, n_informative=8, n_redundant=4, random_state=SEED
    )
    import pandas as pd

    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
    x_train, x_test, y_train, y_test = _sklearn("model_selection").train_test_split(
        frame, labels, test_size=0.25, random_state=SEED, stratify=labels
    )
    return {"x_train": x_train, "x_test": x_test, "y_train": y_train, "y_test": y_test}


def _train(
    config: Config, data: dict[str, Any], model_name: str, on_epoch: Callable[[], None]
) -> tuple[float, int]:
    metrics = _sklearn("metrics")
    scaler = _sklearn("preprocessing").StandardScaler().fit(data["x_train"])
    x_train, x_test = scaler.transform(data["x_train"]), scaler.transform(data["x_test"])
    y_train, y_test = data["y_train"], data["y_test"]
    driftloop.log_params({**_params_of(config), "epochs": EPOCHS, "seed": SEED})
    driftloop.log_input(data["x_train"], context="training", name="synthetic-train")
    model = _sklearn("linear_model").SGDClassifier(
        loss=config.loss, alpha=config.alpha, penalty=config.penalty, random_state=SEED
    )
    classes = sorted(set(y_train.tolist()))
    for epoch in range(EPOCHS):
        model.partial_fit(x_train, y_train, classes=classes)
        driftloop.log_metrics(
            {
                "train_accuracy": metrics.accuracy_score(y_train, model.predict(x_train)),
                "val_accuracy": metrics.accuracy_score(y_test, model.predict(x_test)),
            },
            step=epoch,
        )
        on_epoch()
    predictions = model.predict(x_test)
    accuracy = float(metrics.accuracy_score(y_test, predictions))
    f1 = float(metrics.f1_score(y_test, predictions))
    driftloop.log_metrics({"accuracy": accuracy, "f1": f1})
    report = {
        "format_version": 1,
        "driftloop_version": driftloop.__version__,
        "config": _params_of(config),
        "accuracy": accuracy,
        "f1": f1,
        "confusion_matrix": metrics.confusion_matrix(y_test, predictions).tolist(),
    }
    with tempfile.TemporaryDirectory() as folder:
        report_file = Path(folder) / "report.json"
        report_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        driftloop.log_artifact(report_file)
    pipeline = _sklearn("pipeline").make_pipeline(scaler, model)
    info = driftloop.log_model(
        pipeline,
        "model",
        training_data=data["x_train"],
        target=data["y_train"],
        registered_model_name=model_name,
    )
    assert info.registered_version is not None  # noqa: S101 - registered_model_name was given
    return accuracy, info.registered_version.version


def _promote(model_name: str, scores: list[tuple[float, int]], data: dict[str, Any]) -> None:
    """Point @champion at the best version and @challenger at the next; check the champion."""
    ranked = sorted(scores, key=lambda item: (-item[0], item[1]))
    client = driftloop.Client()
    client.set_alias(model_name, "champion", ranked[0][1])
    client.set_alias(model_name, "challenger", ranked[1][1])
    champion = driftloop.load_model(f"models:/{model_name}@champion")
    predicted = champion.predict(data["x_test"])
    accuracy = float((predicted == data["y_test"]).mean())
    if abs(accuracy - ranked[0][0]) > 1e-9:
        raise click.ClickException(
            f"the champion loaded back scores {accuracy:.4f}, not {ranked[0][0]:.4f}"
        )


def _print_serving(served: dict[str, Any]) -> None:
    lines = [
        (
            f"\nServed {served['requests']} requests through deployment {DEPLOYMENT!r} "
            "(champion answering, challenger in shadow) and sent their true labels back."
        ),
        f"Inference log: {served['log_root']}",
        "Live accuracy from the log joined with the feedback:",
    ]
    for route, (accuracy, labelled) in sorted(served["accuracy"].items()):
        lines.append(f"  {route:<16} {accuracy:.3f} over {labelled} labelled rows")
    lines.append(f"Serve it yourself with:  driftloop serve {DEPLOYMENT}")
    click.echo("\n".join(lines))


def _params_of(config: Config) -> dict[str, Any]:
    return {"loss": config.loss, "alpha": config.alpha, "penalty": config.penalty}


def _print_summary(
    state: CliState, sweep: driftloop.ActiveRun, experiment: str, model_name: str
) -> None:
    results = driftloop.search_runs(
        experiment_ids=[sweep.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{sweep.run_id}'",
        order_by=["metrics.accuracy DESC"],
    )
    out = render.console()
    out.print(render.runs_table(results, ["accuracy", "f1"]))
    location = state.resolved_tracking_uri()
    command = (
        "driftloop"
        if state.tracking_uri is None
        else f"driftloop --tracking-uri {shlex.quote(location)}"
    )
    best_run_id = results[0].run_id if results else sweep.run_id
    click.echo(
        f"\nRecorded {len(results)} runs under the parent run {sweep.run_id}.\n"
        f"Tracking data: {location}\n"
        "Look at them with:\n"
        f"  {command} runs list --experiment {shlex.quote(experiment)}\n"
        f"  {command} runs show {best_run_id}\n"
        f"  {command} artifacts list {best_run_id}\n"
        f"Registered model {model_name!r}: @champion and @challenger are set.\n"
        f"  {command} models versions {shlex.quote(model_name)}\n"
        f"  {command} models lineage {shlex.quote(model_name)} "
        f"{driftloop.Client().get_version_by_alias(model_name, 'champion').version}\n"
        f"  {command} models events {shlex.quote(model_name)}"
    )
