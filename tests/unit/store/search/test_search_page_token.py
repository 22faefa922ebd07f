"""Tests for ``driftloop.store.search.page_token``."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.errors import InvalidPageTokenError
from driftloop.store.search import decode_page_token, encode_page_token


def _b64(payload: object, *, urlsafe: bool = False) -> str:
    raw = json.dumps(payload).encode()
    encoded = base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)
    return encoded.decode()


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_is_offset_zero(token: str | None) -> None:
    assert decode_page_token(token) == 0


@given(offset=st.integers(min_value=0, max_value=2**63))
def test_round_trip(offset: int) -> None:
    token = encode_page_token(offset)
    assert re.fullmatch(r"[A-Za-z0-9_\-]+=*", token)
    assert decode_page_token(token) == offset


def test_token_is_base64_json_of_the_offset() -> None:
    token = encode_page_token(42)
    assert json.loads(base64.urlsafe_b64decode(token)) == {"offset": 42}


def test_bool_offset_is_encoded_as_an_integer() -> None:
    assert decode_page_token(encode_page_token(True)) == 1


@pytest.mark.parametrize(
    "token",
    [
        _b64({"offset": 7}),  # MLflow's tokens: standard alphabet, with padding
        _b64({"offset": 7}, urlsafe=True),
        _b64({"offset": 7}).rstrip("="),
    ],
)
def test_accepts_mlflow_style_tokens(token: str) -> None:
    assert decode_page_token(token) == 7


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "!!!!",
        "not a token",
        "é",
        "eyJvZmZzZXQiOjF9" + "A",  # bad length
        "eyJvZmZzZXQiOjF9=====",  # excess padding
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"\xff\xfe\x00").decode(),
        _b64([1]),
        _b64(5),
        _b64({}),
        _b64({"offset": -1}),
        _b64({"offset": 1.5}),
        _b64({"offset": "5"}),
        _b64({"offset": True}),
        _b64({"offset": None}),
        _b64({"offset": 1, "extra": 2}),
        base64.b64encode(b"[" * 5000 + b"]" * 5000).decode(),
        base64.b64encode(b'{"offset": ' + b"9" * 5000 + b"}").decode(),
        "A" * 2000,
    ],
    ids=lambda token: token[:30],
)
def test_rejects_tokens_it_did_not_issue(token: str) -> None:
    with pytest.raises(InvalidPageTokenError, match=r"^Invalid page token ") as info:
        decode_page_token(token)
    assert info.value.http_status == 400
    assert info.value.field == "page_token"


def test_long_token_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidPageTokenError, match=r"^Invalid page token 'A{64}\.\.\.'"):
        decode_page_token("A" * 2000)


def test_negative_offset_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="page offset must be >= 0, not -1"):
        encode_page_token(-1)


@given(token=st.text(max_size=100))
def test_arbitrary_text_decodes_or_raises_invalid_page_token(token: str) -> None:
    try:
        offset = decode_page_token(token)
    except InvalidPageTokenError:
        return
    assert offset >= 0


@given(payload=st.binary(max_size=60))
def test_arbitrary_base64_decodes_or_raises_invalid_page_token(payload: bytes) -> None:
    try:
        decode_page_token(base64.b64encode(payload).decode())
    except InvalidPageTokenError:
        return
