"""The tracking pages over the real ASGI app on SQLite: content, filters, sorting, pages."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from tests.ui.conftest import HTML, AsgiClient, Seeded


def run_names(html: str) -> list[str]:
    return re.findall(r'<a href="/runs/[0-9a-f]{32}">(run-\d+)</a>', html)


def test_the_experiments_page_lists_run_counts_and_searches(
    client: AsgiClient, seeded: Seeded
) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "churn" in page.text
    assert "secret-project" in page.text
    row = re.search(r"churn</a></td>\s*<td>\d+</td>\s*<td class=\"num\">(\d+)</td>", page.text)
    assert row is not None
    assert row.group(1) == "5"
    found = client.get("/", params={"q": "CHU"})
    assert "churn" in found.text
    assert "secret-project" not in found.text
    quoted = client.get("/", params={"q": "it's \\ odd"})
    assert quoted.status_code == 200
    assert "No experiments match" in quoted.text


def test_the_runs_page_shows_chosen_columns(client: AsgiClient, seeded: Seeded) -> None:
    page = client.get(f"/experiments/{seeded.experiment_id}")
    assert page.status_code == 200
    assert sorted(run_names(page.text)) == [f"run-{i}" for i in range(5)]
    assert 'data-column="metrics.acc"' in page.text  # default columns: metrics and params
    assert 'data-column="params.model"' in page.text
    chosen = client.get(
        f"/experiments/{seeded.experiment_id}", params=[("cols", "tags.team"), ("cols", "")]
    )
    assert 'data-column="tags.team"' in chosen.text
    assert 'data-column="metrics.acc"' not in chosen.text


def test_the_filter_uses_the_api_grammar_and_shows_errors_inline(
    client: AsgiClient, seeded: Seeded
) -> None:
    url = f"/experiments/{seeded.experiment_id}"
    page = client.get(url, params={"filter": "params.model = 'gbm' AND metrics.acc > 0.6"})
    assert page.status_code == 200
    assert sorted(run_names(page.text)) == ["run-3"]
    bad = client.get(url, params={"filter": "metrics.acc >"}, headers=HTML)
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert "metrics.acc &gt;" in bad.text  # the message quotes the clause, escaped
    assert 'aria-invalid="true"' in bad.text
    token = client.get(url, params={"page_token": "garbage!"})
    assert token.status_code == 400
    assert "Invalid page token" in token.text


def test_sorting_follows_the_order_parameter(client: AsgiClient, seeded: Seeded) -> None:
    url = f"/experiments/{seeded.experiment_id}"
    descending = run_names(client.get(url, params={"order": "metrics.`acc` DESC"}).text)
    assert descending == [f"run-{i}" for i in (4, 3, 2, 1, 0)]
    ascending = client.get(url, params={"order": "metrics.`acc` ASC"}).text
    assert run_names(ascending) == [f"run-{i}" for i in range(5)]
    assert 'aria-sort="ascending"' in ascending
    bad = client.get(url, params={"order": "metrics.acc SIDEWAYS"})
    assert bad.status_code == 400


def test_pages_follow_page_tokens(client: AsgiClient, seeded: Seeded) -> None:
    url = f"/experiments/{seeded.experiment_id}"
    first = client.get(url, params={"page_size": "2"}).text
    assert run_names(first) == ["run-4", "run-3"]
    next_link = re.search(r'href="([^"]+)" rel="next"', first)
    assert next_link is not None
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    assert run_names(second) == ["run-2", "run-1"]
    assert 'rel="prev"' in second
    third_link = re.search(r'href="([^"]+)" rel="next"', second)
    assert third_link is not None
    third = client.get(third_link.group(1).replace("&amp;", "&")).text
    assert run_names(third) == ["run-0"]
    assert 'rel="next"' not in third


def test_unknown_resources_are_html_404_pages(client: AsgiClient, seeded: Seeded) -> None:
    for path in ("/experiments/999", "/runs/" + "0" * 32, "/experiments/abc"):
        page = client.get(path, headers=HTML)
        assert page.status_code in {400, 404}, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "<h1>" in page.text
        assert "Traceback" not in page.text
    assert client.get("/runs/" + "0" * 32).status_code == 404


def test_a_query_parameter_cannot_name_another_resource(client: AsgiClient, seeded: Seeded) -> None:
    run = seeded.run_ids[0]
    page = client.get(f"/runs/{run}", params={"run_id": seeded.other_run_id})
    assert page.status_code == 400
    assert "hidden-run" not in page.text
    runs = client.get(
        f"/experiments/{seeded.experiment_id}",
        params={"experiment_id": seeded.other_experiment_id},
    )
    assert runs.status_code == 400
    listed = client.get(
        f"/experiments/{seeded.experiment_id}",
        params={"experiment_ids": seeded.other_experiment_id},
    )
    assert listed.status_code == 400


def test_the_run_page_shows_params_tags_system_metrics_and_datasets(
    client: AsgiClient, seeded: Seeded
) -> None:
    page = client.get(f"/runs/{seeded.run_ids[0]}")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Run run-0</h1>" in text
    assert "Git commit" in text
    assert "abc0" in text
    assert "Entry point" in text
    assert "train.py" in text
    assert "depth" in text
    assert "team" in text
    assert 'data-key="loss"' in text
    assert 'data-key="acc"' in text
    assert "d1g3st" in text
    assert "training" in text
    assert text.count("<h1>") == 1


def test_metric_history_is_json_arrays(client: AsgiClient, seeded: Seeded) -> None:
    answer = client.get(f"/runs/{seeded.run_ids[0]}/metric-history", params={"key": "loss"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["steps"] == list(range(50))
    assert body["values"][0] == 1.0
    assert len(body["timestamps"]) == 50
    missing = client.get(f"/runs/{seeded.run_ids[0]}/metric-history")
    assert missing.status_code == 400
    assert missing.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_compare_diffs_params_and_overlays_metrics(client: AsgiClient, seeded: Seeded) -> None:
    a, b = seeded.run_ids[0], seeded.run_ids[1]
    page = client.get("/compare", params=[("runs", a), ("runs", b)])
    assert page.status_code == 200
    text = page.text
    assert re.search(r'<tr class="differs"><th scope="row">model</th>', text)
    assert re.search(r'<tr><th scope="row">team</th>', text) is None  # tags are not diffed
    assert f'data-key="acc" data-runs=\'["{a}", "{b}"]\'' in text
    assert f'data-key="loss" data-runs=\'["{a}"]\'' in text
    assert '<svg class="scatter"' in text
    assert text.count("<circle") == 2
    only = client.get("/compare", params=[("runs", a), ("runs", b), ("only_diff", "true")])
    assert "depth" in only.text
    one = client.get("/compare", params={"runs": a}, headers=HTML)
    assert one.status_code == 400
    assert "at least two runs" in one.text
    unknown = client.get("/compare", params=[("runs", a), ("runs", "f" * 32)])
    assert unknown.status_code == 404


def test_the_run_page_lists_child_runs_and_links_the_parent(
    app: Starlette, client: AsgiClient, seeded: Seeded
) -> None:
    parent = seeded.run_ids[0]
    runs = app.state.driftloop.stores.runs
    child = runs.create_run(seeded.experiment_id, run_name="step-train", parent_run_id=parent)
    deleted = runs.create_run(seeded.experiment_id, run_name="step-gone", parent_run_id=parent)
    runs.delete_run(deleted.run_id)
    page = client.get(f"/runs/{parent}").text
    assert f'<a href="/runs/{child.run_id}">step-train</a>' in page
    assert "step-gone" not in page
    assert f'<a href="/runs/{parent}">{parent}</a>' in client.get(f"/runs/{child.run_id}").text
