"""Opaque offset-based page tokens (base64 JSON, as MLflow's)."""

from __future__ import annotations


def encode_page_token(offset: int) -> str:
    """Return the token for the page starting at ``offset``."""
    raise NotImplementedError


def decode_page_token(token: str | None) -> int:
    """Return the offset in ``token`` (0 for None/empty); raises InvalidPageTokenError."""
    raise NotImplementedError
