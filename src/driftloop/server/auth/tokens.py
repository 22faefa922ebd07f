"""API token secrets: generated here, shown once, stored only as their SHA-256.

A secret is ``dl_`` followed by 32 random bytes in URL-safe base64. A high-entropy random
secret needs no salt or slow hash: its SHA-256 cannot be reversed by guessing, and a plain
digest lets the server find the token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "dl_"  # noqa: S105 - a public prefix, not a secret
"""Prefix of every driftloop API token (lets secret scanners recognise leaked ones)."""
_SECRET_BYTES = 32
_ID_BYTES = 8


def new_secret() -> str:
    """A fresh token secret."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def new_token_id() -> str:
    """A fresh public token id (16 hex characters)."""
    return secrets.token_hex(_ID_BYTES)


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    """Whether ``value`` has the shape of a driftloop token (so Basic passwords can be one)."""
    return value.startswith(TOKEN_PREFIX) and len(value) > len(TOKEN_PREFIX) + 20
