"""The scale-out configuration end to end: runs in PostgreSQL, artifacts in a real S3 server.

The fluent API logs through ``DRIFTLOOP_TRACKING_URI=postgresql://...`` and
``DRIFTLOOP_ARTIFACT_ROOT=s3://...`` (keys from the standard AWS variables), and the CLI reads
everything back from the same configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.contract.s3_server import S3Server, require_rclone, run_s3_server

import driftloop
from driftloop.cli.main import cli
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database
from driftloop.tracking import batching, fluent, uri

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


@pytest.fixture
def scale_out_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    base_url = postgres_base_url()
    require_postgres(base_url)
    rclone = require_rclone()
    with (
        run_s3_server(rclone, tmp_path / "s3") as server,
        temporary_postgres_database(base_url, label="e2e") as db_url,
    ):
        monkeypatch.setenv("DRIFTLOOP_TRACKING_URI", db_url)
        monkeypatch.setenv("DRIFTLOOP_ARTIFACT_ROOT", f"s3://{server.bucket}/driftloop")
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        uri._reset_for_tests()
        try:
            yield server
        finally:
            fluent._reset_for_tests()
            batching._reset_for_tests()
            uri._reset_for_tests()


def test_fluent_run_on_postgresql_with_s3_artifacts(
    scale_out_env: S3Server, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("accuracy 0.91\n")
    with driftloop.start_run(experiment="scale-out", run_name="pg-s3") as run:
        driftloop.log_params({"model": "sgd", "alpha": 0.001})
        for step in range(250):
            driftloop.log_metric("loss", 1.0 / (step + 1), step=step)
        driftloop.log_metric("accuracy", 0.91)
        driftloop.log_artifact(report, "reports")

    run_id = run.info.run_id
    assert run.info.artifact_uri.startswith(f"s3://{scale_out_env.bucket}/driftloop/")
    stored = driftloop.get_run(run_id)
    assert stored.info.status == "FINISHED"
    assert stored.data.params == {"model": "sgd", "alpha": "0.001"}
    history = driftloop.Client().get_metric_history(run_id, "loss")
    assert [point.step for point in history] == list(range(250))
    # The object really is in the bucket the S3 server serves from disk.
    served = list(scale_out_env.served_dir.rglob("report.txt"))
    assert len(served) == 1
    assert served[0].read_text() == "accuracy 0.91\n"

    runner = CliRunner()
    found = runner.invoke(
        cli, ["runs", "search", "-e", "scale-out", "--filter", "metrics.accuracy > 0.9", "--json"]
    )
    assert found.exit_code == 0, found.output
    assert [r["info"]["run_id"] for r in json.loads(found.output)] == [run_id]
    listed = runner.invoke(cli, ["artifacts", "list", run_id, "reports", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == [
        {"path": "reports/report.txt", "is_dir": False, "file_size": len("accuracy 0.91\n")}
    ]
    downloaded = runner.invoke(
        cli,
        ["artifacts", "download", run_id, "reports/report.txt", "--dst", str(tmp_path / "dl")],
    )
    assert downloaded.exit_code == 0, downloaded.output
    assert (tmp_path / "dl" / "reports" / "report.txt").read_text() == "accuracy 0.91\n"


def test_model_registry_on_postgresql_with_s3_artifacts(scale_out_env: S3Server) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=300), "y": rng.integers(0, 9, 300)})
    target = (frame["x"] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(frame, target)
    with driftloop.start_run(experiment="scale-out-models"):
        info = driftloop.log_model(
            forest, "model", training_data=frame, target=target, registered_model_name="forest"
        )
    assert info.registered_version is not None
    assert info.registered_version.source.startswith(f"s3://{scale_out_env.bucket}/driftloop/")
    driftloop.Client().set_alias("forest", "champion", info.registered_version.version)
    # models:/ resolves through PostgreSQL, then the directory is downloaded from S3.
    model = driftloop.load_model("models:/forest@champion")
    np.testing.assert_array_equal(model.predict(frame), forest.predict(frame))
    assert model.profile is not None
    assert model.profile.row_count == 300
    served = list(scale_out_env.served_dir.rglob("manifest.json"))
    assert len(served) == 1
    lineage = CliRunner().invoke(cli, ["models", "lineage", "forest", "1", "--json"])
    assert lineage.exit_code == 0, lineage.output
    assert json.loads(lineage.output)["run"]["info"]["run_id"] == info.run_id
