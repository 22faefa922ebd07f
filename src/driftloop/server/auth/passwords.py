"""Password hashing with scrypt: a random salt per password, constant-time comparison.

A hash is stored as ``scrypt$<n>$<r>$<p>$<salt b64>$<key b64>`` so that the cost parameters
can be raised later without invalidating existing hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from driftloop.server.auth.errors import WeakPasswordError

MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted (characters)."""
MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted; longer ones would only cost hashing time."""

_N, _R, _P = 2**14, 8, 1  # 16 MiB of memory, ~50 ms per hash
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"


def check_password_strength(password: str) -> None:
    """Refuse empty, short or absurdly long passwords.

    Raises:
        WeakPasswordError: The password has fewer than 12 characters (or more than 1024).
    """
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )


def hash_password(password: str) -> str:
    """The storable hash of ``password`` (checked with :func:`check_password_strength`).

    Raises:
        WeakPasswordError: The password is too short or too long.
    """
    check_password_strength(password)
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _N, _R, _P)
    return "$".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; costs one hash even when ``stored`` is None.

    Hashing a dummy value for unknown users keeps the answer time the same whether or not
    the user exists.
    """
    if stored is None or len(password) > MAX_PASSWORD_LENGTH:
        _scrypt(password[:MAX_PASSWORD_LENGTH], b"\0" * _SALT_BYTES, _N, _R, _P)
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.urlsafe_b64decode(key)
        actual = _scrypt(password, base64.urlsafe_b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * 2, dklen=_KEY_BYTES
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")
