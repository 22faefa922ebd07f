"""The UI's session cookie: an API token, signed with the server's session key.

Logging in (with a token, or with a password, for which the server creates a token that
expires with the session) sets one cookie holding the token and an HMAC of it. Each UI
request with the cookie and no ``Authorization`` header is then authorized exactly like an
API call with ``Authorization: Bearer <token>``: revoking the token ends the session, and the
grants are the user's. The cookie is ``HttpOnly`` (scripts cannot read it) and
``SameSite=Strict`` (other sites cannot make the browser send it).

The key comes from ``$DRIFTLOOP_UI_SECRET`` (set it to share sessions between server
processes or across restarts); without it each process draws its own. Neither the key nor
the token is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Literal

COOKIE_NAME = "driftloop_session"
SECRET_ENV = "DRIFTLOOP_UI_SECRET"  # noqa: S105 - the variable's name, not a secret
SESSION_SECONDS = 12 * 3600
"""How long a session lasts (the cookie's Max-Age and a password session token's expiry)."""

SessionKind = Literal["password", "token"]
_KIND_CODES: dict[SessionKind, str] = {"password": "p", "token": "t"}
_CODE_KINDS: dict[str, SessionKind] = {code: kind for kind, code in _KIND_CODES.items()}
_MAX_COOKIE_CHARS = 1024


@dataclass(frozen=True, slots=True)
class Session:
    """What a valid cookie holds.

    Attributes:
        kind: ``password`` when the server created the token at login (logout revokes it),
            ``token`` when the user logged in with their own API token.
        token: The API token secret.
    """

    kind: SessionKind
    token: str

    def __repr__(self) -> str:
        return f"Session(kind={self.kind!r}, token=<hidden>)"


class SessionCodec:
    """Signs and checks session cookies with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the session key must have at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "SessionCodec(<key hidden>)"

    @classmethod
    def from_environment(cls) -> SessionCodec:
        """The codec keyed by ``$DRIFTLOOP_UI_SECRET``, or by a fresh random key."""
        configured = os.environ.get(SECRET_ENV, "")
        if configured:
            return cls(hashlib.sha256(configured.encode()).digest())
        return cls(secrets.token_bytes(32))

    def encode(self, session: Session) -> str:
        """The cookie value for ``session``."""
        payload = _KIND_CODES[session.kind] + "." + _b64(session.token.encode())
        return payload + "." + self._sign(payload)

    def decode(self, value: str | None) -> Session | None:
        """The session in a cookie value, or None when it is absent, malformed or forged."""
        if not value or len(value) > _MAX_COOKIE_CHARS:
            return None
        payload, _, signature = value.rpartition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        code, _, token = payload.partition(".")
        kind = _CODE_KINDS.get(code)
        if kind is None:
            return None
        try:
            secret = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return Session(kind=kind, token=secret) if secret else None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), "sha256").digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
