"""Opaque offset-based page tokens (base64 JSON, as MLflow's).

A token is the URL-safe base64 of ``{"offset": N}``. Decoding also accepts MLflow's standard
base64 alphabet and missing padding, and rejects anything else with InvalidPageTokenError.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Final

from driftloop.errors import InvalidPageTokenError

_MAX_TOKEN_LENGTH: Final = 1024  # real tokens are ~20 characters; caps decoding work
_SHOWN_CHARACTERS: Final = 64
_BASE64: Final = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")  # either alphabet, padding optional


def encode_page_token(offset: int) -> str:
    """Return the token for the page starting at ``offset``.

    Raises:
        ValueError: ``offset`` is negative (a caller bug, not a client error).
    """
    if offset < 0:
        raise ValueError(f"page offset must be >= 0, not {offset}")
    payload = json.dumps({"offset": int(offset)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode("ascii")).decode("ascii")


def decode_page_token(token: str | None) -> int:
    """Return the offset in ``token`` (0 for None/empty); raises InvalidPageTokenError.

    Raises:
        InvalidPageTokenError: ``token`` is not base64 of ``{"offset": N}`` with ``N`` a
            non-negative integer.
    """
    if not token:
        return 0
    offset = _offset_in(token)
    if offset is None:
        shown = token if len(token) <= _SHOWN_CHARACTERS else token[:_SHOWN_CHARACTERS] + "..."
        raise InvalidPageTokenError(
            f"Invalid page token {shown!r}: not a token this server issued "
            "(pass back next_page_token unchanged)",
            field="page_token",
        )
    return offset


def _offset_in(token: str) -> int | None:
    if len(token) > _MAX_TOKEN_LENGTH or not _BASE64.fullmatch(token):
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeDecodeError included
        return None
    if not isinstance(payload, dict) or set(payload) != {"offset"}:
        return None
    offset = payload["offset"]
    if type(offset) is not int or offset < 0:  # bool is an int subclass; reject true/false
        return None
    return offset
