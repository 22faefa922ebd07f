"""Runs of one experiment: chosen columns, the API's filter grammar, sorting and pages.

Pages come from the store's ``search_runs`` (page tokens, so a page costs the same at
100,000 runs); a filter, order or page token the store refuses is shown above the table
with status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.responses import Response

from driftloop.entities import Page, Run
from driftloop.errors import InvalidParameterError
from driftloop.server.routing import Call, Endpoint, Permission, Resource
from driftloop.store.search.page_token import decode_page_token, encode_page_token
from driftloop.ui.ids import path_id
from driftloop.ui.page import page
from driftloop.ui.queries import run_counts
from driftloop.ui.render import render
from driftloop.ui.run_table import (
    ATTRIBUTE_SORTS,
    DEFAULT_SORT,
    available_keys,
    default_columns,
    parse_columns,
    parse_sort,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def experiment_runs(call: Call) -> Response:
    """The runs table of one experiment."""
    experiment_id = path_id(call, "experiment_id")
    stores = call.state.stores
    experiment = stores.experiments.get_experiment(experiment_id)
    filter_string = (call.params.string("filter") or "").strip()
    sort = parse_sort(call.params.string("order"))
    token = call.params.string("page_token") or None
    size = min(max(call.params.integer("page_size", default=PAGE_SIZE) or PAGE_SIZE, 1), 500)
    error = ""
    try:
        found = stores.runs.search_runs(
            [experiment_id],
            filter_string,
            max_results=size,
            order_by=[sort.order_by] if sort else None,
            page_token=token,
        )
    except InvalidParameterError as refused:  # the filter, the order or the page token
        error, found = str(refused), Page[Run](())
    keys = available_keys(found.items)
    given = [c for c in call.params.strings("cols") if c]
    columns = parse_columns(given) if call.params.has("cols") else default_columns(keys)
    state: dict[str, str | list[str]] = {
        "filter": filter_string,
        "order": sort.order_by if sort else "",
        "cols": [c.name for c in columns],
        "page_size": str(size) if size != PAGE_SIZE else "",
    }
    counts = run_counts(stores, [experiment_id]).get(experiment_id)
    return render(
        call,
        "runs.html.j2",
        {
            "experiment": experiment,
            "runs": found.items,
            "columns": columns,
            "keys": keys,
            "state": state,
            "sort": sort or DEFAULT_SORT,
            "attribute_sorts": ATTRIBUTE_SORTS,
            "error": error,
            "total": counts.runs if counts else 0,
            "link": _linker(f"/experiments/{experiment_id}", state),
            "next_token": found.next_page_token,
            "previous_token": _previous(token, size) if not error else None,
            "first_row": _offset(token) + 1 if not error else 0,
        },
        400 if error else 200,
    )


def _linker(base: str, state: dict[str, str | list[str]]) -> Callable[..., str]:
    """A function building this page's URL with some state changed."""

    def link(**changes: str | None) -> str:
        merged = {**state, **changes}
        pairs: list[tuple[str, str]] = []
        for name, value in merged.items():
            if isinstance(value, list):
                pairs.extend((name, v) for v in value)
                if not value:
                    pairs.append((name, ""))
            elif value:
                pairs.append((name, value))
        return base + ("?" + urlencode(pairs) if pairs else "")

    return link


def _offset(token: str | None) -> int:
    try:
        return decode_page_token(token)
    except InvalidParameterError:
        return 0


def _previous(token: str | None, size: int) -> str | None:
    """The token of the page before (``""`` for the first page), None on the first page."""
    offset = _offset(token)
    if offset <= 0:
        return None
    before = max(0, offset - size)
    return encode_page_token(before) if before else ""


PAGES: list[Endpoint] = [
    page(
        "/experiments/{experiment_id}",
        experiment_runs,
        Permission.READ,
        Resource.EXPERIMENT,
    ),
]
