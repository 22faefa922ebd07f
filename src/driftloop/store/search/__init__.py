"""MLflow's search grammar: filter clauses, order-by keys and page tokens (pure, no I/O)."""

from driftloop.store.search.filter import Clause, parse_search_filter
from driftloop.store.search.order_by import OrderKey, parse_order_by
from driftloop.store.search.page_token import decode_page_token, encode_page_token

__all__ = [
    "Clause",
    "OrderKey",
    "decode_page_token",
    "encode_page_token",
    "parse_order_by",
    "parse_search_filter",
]
