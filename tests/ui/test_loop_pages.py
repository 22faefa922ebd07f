"""The loop's pages (models, deployments, monitoring, continuous training) over the real ASGI
app on a tracking folder filled through the real stores, client, inference-log writer and
``monitor_deployment`` (see ``loop_world.py``): the numbers, links, verdicts and order shown,
HTML 404/400 pages, and a guest without a grant refused."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from tests.ui.conftest import HTML, AsgiClient
from tests.ui.loop_world import (
    BASE_MS,
    DEPLOYMENT,
    FAILURES,
    MODEL,
    OTHER_DEPLOYMENT,
    OTHER_MODEL,
    LoopWorld,
    build_world,
)

from driftloop.server.app import create_app
from driftloop.server.auth.authorizer import TokenAuthorizer
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.config import ServerConfig
from driftloop.tracking import uri
from driftloop.ui.render import format_ms


def _config(root: Path, *, auth: bool = False) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=str(root), artifacts_destination=str(root / "artifacts"), auth=auth
    )


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Starlette, LoopWorld]]:
    root = tmp_path_factory.mktemp("loop") / "tracking"
    application = create_app(_config(root))
    try:
        world = build_world(root, application.state.driftloop.stores)
        yield application, world
    finally:
        application.state.driftloop.stores.close()
        uri._reset_for_tests()


@pytest.fixture(scope="module")
def world(loop: tuple[Starlette, LoopWorld]) -> LoopWorld:
    return loop[1]


@pytest.fixture(scope="module")
def web(loop: tuple[Starlette, LoopWorld]) -> Iterator[AsgiClient]:
    client = AsgiClient(loop[0])
    try:
        yield client
    finally:
        client.close()


def text_of(html: str) -> str:
    """The page's main content (or a fragment) as plain text (no tags, spaces collapsed)."""
    main = html.split('<main id="main">', 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&amp;", "&")


def chart_data(html: str, figure_id: str) -> dict[str, Any]:
    """The JSON a chart figure hands to ``loop.js``."""
    found = re.search(rf"id=\"{figure_id}\"[^>]*data-chart='([^']*)'", html)
    assert found is not None
    data: dict[str, Any] = json.loads(unescape(found.group(1)))
    return data


def page(web: AsgiClient, url: str, **params: str) -> str:
    answer = web.get(url, params=params, headers=HTML)
    assert answer.status_code == 200, answer.text
    assert answer.text.count("<h1") == 1
    return answer.text


# -- models -----------------------------------------------------------------------------


def test_the_models_page_lists_and_searches_models(web: AsgiClient, world: LoopWorld) -> None:
    html = page(web, "/models")
    assert f'href="/models/view?name={MODEL}"' in html
    assert f'href="/models/view?name={OTHER_MODEL}"' in html
    assert "@champion → v2" in text_of(html)  # the promotion moved the alias
    found = page(web, "/models", q="CHU")
    assert f"?name={OTHER_MODEL}" not in found
    assert "1 registered model matching" in text_of(found)
    assert "No registered models match" in page(web, "/models", q="it's %")


def test_a_model_page_lists_versions_deployments_and_events(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/models/view", name=MODEL)
    text = text_of(html)
    versions = re.findall(r'href="/models/version\?name=churn&amp;version=(\d)">v\d</a></td>', html)
    assert versions == ["2", "1"]  # newest first
    assert f'href="/runs/{world.training_run_id}"' in html
    assert "driftloop.ct.episode_id=" + world.episode_id in text
    assert f'href="/deployments/view?name={DEPLOYMENT}"' in html
    events = re.findall(r"<code>([A-Z_]+)</code>", html)
    assert events[0] == "DEPLOYMENT_PROMOTED"  # newest first
    assert events[-1] == "REGISTERED_MODEL_CREATED"
    assert "ALIAS_SET" in events


def test_a_version_page_shows_its_lineage_and_alias_history(
    web: AsgiClient, world: LoopWorld
) -> None:
    first = page(web, "/models/version", name=MODEL, version="1")
    text = text_of(first)
    assert f'href="/runs/{world.training_run_id}"' in first
    assert "abc123def" in text  # git commit
    assert "d1g3st42" in text  # the training data's digest
    assert "training" in text
    v1_events = re.findall(r"<code>([A-Z_]+)</code>", first)
    assert v1_events.count("ALIAS_SET") == 2  # champion set to v1, then moved away to v2
    assert "v1 → v2" in text
    second = page(web, "/models/version", name=MODEL, version="2")
    text = text_of(second)
    assert f'href="/ct/view?name={DEPLOYMENT}#episode-{world.episode_id}"' in second
    assert "drift trigger, promoted" in text
    assert f'href="/runs/{world.pipeline_run_id}"' in second
    assert f'href="/runs/{world.challenger_run_id}"' in second
    assert format_ms(BASE_MS + 900_000 - 1000) in text  # the window cut
    assert "champion (@champion)" in text  # serving
    assert "none → v2" not in text
    assert "v1 → v2" in text


@pytest.mark.parametrize(
    ("url", "params", "status", "words"),
    [
        ("/models/view", {"name": "nope"}, 404, "nope"),
        ("/models/version", {"name": MODEL, "version": "9"}, 404, "9"),
        ("/models/version", {"name": "nope", "version": "1"}, 404, "nope"),
        ("/models/version", {"name": MODEL, "version": "x"}, 400, "version"),
        ("/models/version", {"name": MODEL, "version": "0"}, 400, "version"),
        ("/models/version", {"name": MODEL}, 400, "version"),
        ("/models/view", {}, 400, "name"),
        ("/deployments/view", {"name": "nope"}, 404, "nope"),
        ("/deployments/view", {}, 400, "name"),
        ("/monitoring/view", {"name": "nope"}, 404, "nope"),
        ("/monitoring/view", {"name": DEPLOYMENT, "run": "zz"}, 400, "run"),
        ("/monitoring/view", {"name": DEPLOYMENT, "run": "0" * 32}, 404, "0" * 32),
        ("/monitoring/view", {"name": DEPLOYMENT, "metric": "nope"}, 400, "metric"),
        ("/ct/view", {"name": "nope"}, 404, "nope"),
    ],
)
def test_unknown_things_are_404_pages_and_bad_parameters_400_pages(
    web: AsgiClient, world: LoopWorld, url: str, params: dict[str, str], status: int, words: str
) -> None:
    answer = web.get(url, params=params, headers=HTML)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in answer.text
    assert words in text_of(answer.text)


def test_a_monitoring_run_of_another_deployment_is_not_shown(
    web: AsgiClient, world: LoopWorld
) -> None:
    answer = web.get(
        "/monitoring/view", params={"name": OTHER_DEPLOYMENT, "run": world.monitor_run_ids[0]}
    )
    assert answer.status_code == 404


# -- deployments ------------------------------------------------------------------------


def test_the_deployments_page_lists_champions_and_challengers(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/deployments")
    rows = re.findall(r'<a href="/deployments/view\?name=([\w-]+)">', html)
    assert rows[:2] == [DEPLOYMENT, OTHER_DEPLOYMENT]  # sorted by name (zz-broken may follow)
    assert "promoted" in text_of(html)


def test_a_deployment_page_shows_versions_mode_and_traffic(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/deployments/view", name=DEPLOYMENT)
    text = text_of(html)
    assert re.search(r'id="champion"><a href="/models/version\?name=churn&amp;version=2">v2', html)
    assert re.search(r'id="challenger">none', html)
    assert re.search(r'id="mode">single', html)
    assert "25% of requests" in text
    assert re.search(r'id="state">promoted', html)
    table = html.split('id="traffic-table"')[1].split("</table>")[0]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in table.split("<tr>")[2:]]
    assert [r[0] for r in rows] == [
        format_ms(BASE_MS + 600_000),
        format_ms(BASE_MS + 300_000),
        format_ms(BASE_MS),
    ]  # three five-minute windows, newest first
    newest, middle, oldest = rows
    # requests, requests/s, failed, error rate, p50, p99, rows, labelled share
    assert newest[1:] == ["300", "1.33", str(FAILURES), "25.0%", "30.0", "30.0", "300", "50%"]
    assert middle[1:] == ["300", "1.00", "0", "0.0%", "20.0", "20.0", "300", "100%"]
    assert oldest[1:] == ["300", "1.00", "0", "0.0%", "10.0", "10.0", "300", "100%"]
    assert "per 300-second window" in text
    assert "champion v1 900 900 100" in text  # by route and version
    rate = chart_data(html, "rate-chart")
    assert rate["x"] == [(BASE_MS + shift) / 1000 for shift in (0, 300_000, 600_000)]
    assert rate["series"][0]["values"] == pytest.approx([1.0, 1.0, 400 / 300])
    assert "DEPLOYMENT_PROMOTED" in html


def test_a_deployment_without_traffic_says_so(web: AsgiClient, world: LoopWorld) -> None:
    text = text_of(page(web, "/deployments/view", name=OTHER_DEPLOYMENT))
    assert "No traffic logged" in text


def test_an_unreadable_log_is_a_message_not_an_error_page(
    loop: tuple[Starlette, LoopWorld], web: AsgiClient
) -> None:
    stores = loop[0].state.driftloop.stores
    stores.deployments.create_deployment("zz-broken", OTHER_MODEL)
    folder = loop[1].root / "artifacts/inference-log/zz-broken/predictions/date=2026-11-27"
    folder.mkdir(parents=True)
    (folder / "w-1-0.parquet").write_bytes(b"not parquet at all")
    stores.monitoring.record_monitor_run(
        "zz-broken",
        model_version=1,
        window_start=BASE_MS,
        window_end=BASE_MS + 1000,
        rows=1,
        verdict="no_drift",
        points=[],
    )
    deployment = web.get("/deployments/view", params={"name": "zz-broken"}, headers=HTML)
    assert deployment.status_code == 200
    assert "The inference log could not be read" in text_of(deployment.text)
    monitoring = web.get("/monitoring/view", params={"name": "zz-broken"}, headers=HTML)
    assert monitoring.status_code == 200
    reason = monitoring.text.split('id="distributions-reason"')[1].split("</p>")[0]
    assert "could not be read" in reason


# -- monitoring -------------------------------------------------------------------------


def _heat(html: str) -> dict[str, list[str]]:
    cells = re.findall(r'<g class="hm-cell[^"]*" data-column="(\w+)" data-value="([^"]*)"', html)
    found: dict[str, list[str]] = {}
    for column, value in cells:
        found.setdefault(column, []).append(value)
    return found


def test_the_monitoring_heatmap_shows_drift_by_column_over_windows(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/monitoring/view", name=DEPLOYMENT)
    heat = _heat(html)
    assert set(heat) == {"f0", "f1", "prediction"}
    assert len(heat["f0"]) == 3
    assert not heat["f0"][0].endswith("*")  # the first window did not drift
    assert heat["f0"][1].endswith("*")
    assert heat["f0"][2].endswith("*")
    assert not any(value.endswith("*") for value in heat["f1"])
    assert float(heat["f0"][2].rstrip("*")) > 0.5 > float(heat["f0"][0])
    verdicts = re.findall(r'class="hm-verdict-text" text-anchor="middle">(\w+)<', html)
    assert verdicts == ["ok", "drift", "drift"]
    assert "<title>f0, window ending" in html  # every cell has its value as a title
    assert re.search(r'id="drifted-columns">f0(, prediction)?</span>', html)
    table = html.split('id="heatmap-table"')[1].split("</table>")[0]
    assert "no drift" in table
    assert "drift" in table


def test_live_performance_is_shown_against_the_validation_value_with_alarms(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/monitoring/view", name=DEPLOYMENT)
    table = html.split('id="performance-table"')[1].split("</table>")[0]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in table.split("<tr>")[2:]]
    # window end, version, labelled rows, live, validation, difference, change points
    assert [r[2] for r in rows] == ["300", "300", "150"]
    assert [r[3] for r in rows] == ["1", "0.5", "1"]
    assert [r[4] for r in rows] == ["0.9", "0.9", "0.9"]
    assert [r[5] for r in rows] == ["+0.100", "-0.400", "+0.100"]
    assert world.change_ms is not None  # ADWIN saw the error stream jump in chunk 1
    alarms = html.split('id="alarms-table"')[1].split("</table>")[0]
    assert format_ms(world.change_ms) in alarms
    assert html.count('class="hm-alarm"') == 1
    chart = chart_data(html, "timeline-chart")
    assert chart["alarms"] == [world.change_ms / 1000]
    labels = [series["label"] for series in chart["series"]]
    assert labels == [
        "drifted share of columns",
        "live accuracy",
        "validation accuracy (champion's training run)",
    ]
    assert chart["series"][1]["values"] == [1.0, 0.5, 1.0]
    chosen = page(web, "/monitoring/view", name=DEPLOYMENT, metric="f1")
    assert "Live f1 against the validation f1" in text_of(chosen)


def test_the_distributions_of_a_chosen_run_are_measured_again(
    web: AsgiClient, world: LoopWorld
) -> None:
    newest = page(web, "/monitoring/view", name=DEPLOYMENT)
    figures = re.findall(r'<figure class="dist" data-column="(\w+)">', newest)
    assert figures[0] == "f0"  # drifted first
    assert "drifted" in text_of(newest.split('data-column="f0">')[1].split("</figure>")[0])
    assert "<title>reference" in newest
    assert "<title>current" in newest
    first = page(web, "/monitoring/view", name=DEPLOYMENT, run=world.monitor_run_ids[0])
    section = text_of(first.split('id="distributions-h"')[1])
    assert format_ms(BASE_MS) in section  # the oldest window
    assert "verdict no drift" in section
    assert 'aria-current="true"' in first


def test_the_monitoring_list_shows_the_latest_verdicts(web: AsgiClient, world: LoopWorld) -> None:
    text = text_of(page(web, "/monitoring"))
    assert f"{DEPLOYMENT} {MODEL} drift" in text
    assert f"{OTHER_DEPLOYMENT} {OTHER_MODEL} not monitored yet" in text
    empty = text_of(page(web, "/monitoring/view", name=OTHER_DEPLOYMENT))
    assert "No monitoring runs recorded" in empty


# -- continuous training ----------------------------------------------------------------


def test_the_ct_timeline_shows_an_episode_from_trigger_to_promotion(
    web: AsgiClient, world: LoopWorld
) -> None:
    html = page(web, "/ct/view", name=DEPLOYMENT)
    kinds = re.findall(r'<li class="step [^"]*" data-kind="(\w+)">', html)
    assert kinds == [
        "trigger_fired",
        "pipeline_finished",
        "gate_passed",
        "shadow_started",
        "canary_step",
        "promoted",
    ]
    text = text_of(html)
    assert f'id="episode-{world.episode_id}"' in html
    assert "drift trigger, promoted" in text
    assert "Trigger: drift" in text
    assert "consecutive 2" in text  # the trigger's evidence
    assert f'href="/runs/{world.pipeline_run_id}"' in html
    gates = text_of(html.split('class="data gates"')[1].split("</table>")[0])
    assert "metric passed accuracy 0.931 0.412" in gates
    assert "Canary step 1: 25% of requests to the challenger" in text
    comparison = text_of(html.split('class="data comparison"')[1].split("</table>")[0])
    assert "metric 0.387 0.951" in comparison
    assert "promoted v2 (churn@champion)" in text
    policy = html.split('id="policy"')[1].split("</pre>")[0]
    assert "deployment: churn-prod" in policy
    assert "consecutive: 2" in policy
    assert "controller_started" in text


def test_the_ct_pages_without_a_controller(web: AsgiClient, world: LoopWorld) -> None:
    html = page(web, "/ct/view", name=OTHER_DEPLOYMENT)
    assert 'id="no-policy"' in html
    assert "No episode yet" in text_of(html)
    listing = text_of(page(web, "/ct"))
    assert f"{DEPLOYMENT} {MODEL} {world.episode_id[:8]} drift" in listing
    assert f"{OTHER_DEPLOYMENT} {OTHER_MODEL} no episode yet" in listing


def test_every_loop_page_is_in_the_navigation(web: AsgiClient, world: LoopWorld) -> None:
    html = page(web, "/models")
    nav = html.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert links[1:5] == ["/models", "/deployments", "/monitoring", "/ct"]
    assert 'href="/models" aria-current="page"' in nav


# -- permissions ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guest(loop: tuple[Starlette, LoopWorld]) -> Iterator[tuple[AsgiClient, AsgiClient]]:
    """Two logged-in guests on an ``--auth`` app: one granted ``churn``, one nothing."""
    root = loop[1].root
    application = create_app(_config(root, auth=True))
    authorizer = application.state.driftloop.authorizer
    assert isinstance(authorizer, TokenAuthorizer)
    store = authorizer.auth_store
    store.create_user("granted", Role.GUEST)
    store.create_user("stranger", Role.GUEST)
    store.set_grant("granted", ResourceType.REGISTERED_MODEL, MODEL, GrantPermission.READ)
    clients = []
    for user in ("granted", "stranger"):
        client = AsgiClient(application)
        token = store.create_token(user).secret
        assert client.post("/login", data={"token": token}, headers=HTML).status_code == 303
        clients.append(client)
    try:
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        application.state.driftloop.stores.close()


@pytest.mark.parametrize(
    "url",
    [
        f"/models/view?name={MODEL}",
        f"/models/version?name={MODEL}&version=2",
        f"/deployments/view?name={DEPLOYMENT}",
        f"/monitoring/view?name={DEPLOYMENT}",
        f"/ct/view?name={DEPLOYMENT}",
    ],
)
def test_a_guest_without_a_grant_is_refused(guest: tuple[AsgiClient, AsgiClient], url: str) -> None:
    granted, stranger = guest
    refused = stranger.get(url, headers=HTML)
    assert refused.status_code == 403
    assert "<h1>Permission denied</h1>" in refused.text
    assert granted.get(url, headers=HTML).status_code == 200


def test_a_guest_lists_only_granted_models_and_their_deployments(
    guest: tuple[AsgiClient, AsgiClient],
) -> None:
    granted, stranger = guest
    for url in ("/models", "/deployments", "/monitoring", "/ct"):
        shown = granted.get(url, headers=HTML).text
        assert f"?name={MODEL}" in shown or f"?name={DEPLOYMENT}" in shown, url
        assert OTHER_MODEL not in text_of(shown), url
        hidden = stranger.get(url, headers=HTML)
        assert hidden.status_code == 200
        assert MODEL not in text_of(hidden.text), url
    assert granted.get(f"/ct/view?name={OTHER_DEPLOYMENT}", headers=HTML).status_code == 403


def test_the_inference_log_location_is_configurable(
    loop: tuple[Starlette, LoopWorld], tmp_path: Path
) -> None:
    """``driftloop server --inference-log``: the pages read the log where serving writes it."""
    application, world = loop
    moved = tmp_path / "elsewhere"
    shutil.copytree(world.root / "artifacts" / "inference-log", moved)
    config = dataclasses.replace(application.state.driftloop.config, inference_log_uri=str(moved))
    assert config.inference_log_root() == str(moved)
    assert _config(world.root).inference_log_root() == f"{world.root}/artifacts/inference-log"
    elsewhere = create_app(config)
    client = AsgiClient(elsewhere)
    try:
        text = text_of(page(client, "/deployments/view", name=DEPLOYMENT))
        assert "champion v1 900 900 100" in text  # the same rows, read from the new place
        empty = create_app(dataclasses.replace(config, inference_log_uri=str(tmp_path / "none")))
        nothing = AsgiClient(empty)
        try:
            assert "No traffic logged" in text_of(
                page(nothing, "/deployments/view", name=DEPLOYMENT)
            )
        finally:
            nothing.close()
            empty.state.driftloop.stores.close()
    finally:
        client.close()
        elsewhere.state.driftloop.stores.close()
