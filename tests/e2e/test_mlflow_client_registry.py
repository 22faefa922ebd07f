"""The unmodified ``mlflow.MlflowClient`` using a live driftloop server's model registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

mlflow = pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402


@pytest.fixture
def client(server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    """An MlflowClient that finds the live server through ``MLFLOW_TRACKING_URI``."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server_url)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
    yield MlflowClient()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def test_register_a_run_model_and_move_an_alias(client: MlflowClient) -> None:
    run = client.create_run("0")
    run_id = run.info.run_id
    source = f"runs:/{run_id}/model"

    created = client.create_registered_model("iris", tags={"team": "ml"}, description="flowers")
    first = client.create_model_version("iris", source, run_id=run_id, tags={"k": "v"})
    second = client.create_model_version("iris", source, run_id=run_id)

    assert created.name == "iris"
    assert (first.version, second.version) == ("1", "2")
    assert first.source == source
    assert first.run_id == run_id
    assert first.status == "READY"
    assert first.tags == {"k": "v"}
    model = client.get_registered_model("iris")
    assert model.description == "flowers"
    assert model.tags == {"team": "ml"}
    assert [v.version for v in model.latest_versions] == ["2"]
    download = client.get_model_version_download_uri("iris", "1")
    assert download == f"mlflow-artifacts:/0/{run_id}/artifacts/model"

    client.set_registered_model_alias("iris", "champion", "1")
    assert client.get_model_version_by_alias("iris", "champion").version == "1"
    assert client.get_registered_model("iris").aliases == {"champion": "1"}
    client.set_registered_model_alias("iris", "champion", "2")
    moved = client.get_model_version_by_alias("iris", "champion")
    assert (moved.version, moved.aliases) == ("2", ["champion"])
    client.delete_registered_model_alias("iris", "champion")
    assert client.get_registered_model("iris").aliases == {}
    with pytest.raises(MlflowException, match="champion") as missing:
        client.get_model_version_by_alias("iris", "champion")
    assert missing.value.error_code == "INVALID_PARAMETER_VALUE"


def test_tags_descriptions_rename_and_delete(client: MlflowClient) -> None:
    client.create_registered_model("old")
    client.create_model_version("old", "mlflow-artifacts:/0/abc/artifacts/model")

    client.set_registered_model_tag("old", "owner", "alice")
    client.delete_registered_model_tag("old", "owner")
    client.set_registered_model_tag("old", "tier", "gold")
    client.set_model_version_tag("old", "1", "validated", "yes")
    client.update_registered_model("old", description="model d")
    client.update_model_version("old", "1", description="version d")
    client.rename_registered_model("old", "new")

    model = client.get_registered_model("new")
    assert model.tags == {"tier": "gold"}
    assert model.description == "model d"
    version = client.get_model_version("new", "1")
    assert version.name == "new"
    assert version.tags == {"validated": "yes"}
    assert version.description == "version d"
    assert version.source == "mlflow-artifacts:/0/abc/artifacts/model"
    client.delete_model_version_tag("new", "1", "validated")
    assert client.get_model_version("new", "1").tags == {}
    with pytest.raises(MlflowException, match="old") as gone:
        client.get_registered_model("old")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    client.delete_model_version("new", "1")
    with pytest.raises(MlflowException) as no_version:
        client.get_model_version("new", "1")
    assert no_version.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model("new")
    assert client.search_registered_models() == []


def test_searches_filter_and_page(client: MlflowClient) -> None:
    for name in ["alpha", "beta", "gamma", "delta", "epsilon"]:
        client.create_registered_model(name, tags={"group": "greek"})
    client.set_registered_model_tag("beta", "group", "b")
    for _ in range(3):
        client.create_model_version("alpha", "models:/m-" + "0a" * 16)

    first = client.search_registered_models(max_results=2, order_by=["name ASC"])
    second = client.search_registered_models(
        max_results=2, order_by=["name ASC"], page_token=first.token
    )
    third = client.search_registered_models(
        max_results=2, order_by=["name ASC"], page_token=second.token
    )

    assert [m.name for m in first] == ["alpha", "beta"]
    assert [m.name for m in second] == ["delta", "epsilon"]
    assert [m.name for m in third] == ["gamma"]
    assert not third.token
    greek = client.search_registered_models(filter_string="tags.group = 'greek'")
    assert sorted(m.name for m in greek) == ["alpha", "delta", "epsilon", "gamma"]
    liked = client.search_registered_models(filter_string="name LIKE '%ta'")
    assert sorted(m.name for m in liked) == ["beta", "delta"]

    versions = client.search_model_versions("name = 'alpha'", max_results=2)
    rest = client.search_model_versions("name = 'alpha'", max_results=2, page_token=versions.token)
    assert [v.version for v in versions] == ["3", "2"]
    assert [v.version for v in rest] == ["1"]
    assert not rest.token
    assert versions[0].source == "models:/m-" + "0a" * 16
    newest = client.search_model_versions("name = 'alpha' AND version_number >= 2")
    assert sorted(v.version for v in newest) == ["2", "3"]
    with pytest.raises(MlflowException, match=r"(?i)\bor\b") as bad:
        client.search_registered_models(filter_string="name = 'a' OR name = 'b'")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"


def test_refused_source_and_duplicate_name(client: MlflowClient) -> None:
    client.create_registered_model("m")

    with pytest.raises(MlflowException, match="source") as refused:
        client.create_model_version("m", "/etc/passwd")
    with pytest.raises(MlflowException) as duplicate:
        client.create_registered_model("m")

    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert duplicate.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert client.search_model_versions("name = 'm'") == []
