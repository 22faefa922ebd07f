"""Experiments: every experiment the caller may read, with run counts and last activity."""

from __future__ import annotations

from starlette.responses import Response

from driftloop.entities import ViewType
from driftloop.server.routing import Call, Endpoint
from driftloop.ui.page import page
from driftloop.ui.queries import run_counts
from driftloop.ui.registry import NavEntry
from driftloop.ui.render import render

NAV = NavEntry("Experiments", "/", 10)
MAX_EXPERIMENTS = 1000
"""Most experiments listed (the most recently created first); the search narrows them."""


def quote_literal(value: str) -> str:
    """``value`` as a single-quoted string of the filter grammar."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def experiments(call: Call) -> Response:
    """List the experiments, optionally those whose name contains ``q``."""
    query = (call.params.string("q") or "").strip()
    stores = call.state.stores
    found = stores.experiments.search_experiments(
        view_type=ViewType.ACTIVE_ONLY,
        max_results=MAX_EXPERIMENTS,
        filter_string=f"attributes.name ILIKE {quote_literal(f'%{query}%')}" if query else None,
    )
    visible = call.state.authorizer.visible_experiment_ids(call)
    shown = [e for e in found if visible is None or e.experiment_id in visible]
    counts = run_counts(stores, [e.experiment_id for e in shown])
    rows = [(experiment, counts.get(experiment.experiment_id)) for experiment in shown]
    return render(
        call,
        "experiments.html.j2",
        {"rows": rows, "query": query, "truncated": found.next_page_token is not None},
    )


PAGES: list[Endpoint] = [page("/", experiments)]
