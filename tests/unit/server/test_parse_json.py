import math

import pytest

from driftloop.server.params import MalformedRequestError, parse_json


def test_plain_json_is_parsed() -> None:
    assert parse_json(b'{"metrics": [{"key": "loss", "value": 0.5, "step": "3"}]}') == {
        "metrics": [{"key": "loss", "value": 0.5, "step": "3"}]
    }


def test_bare_non_finite_tokens_and_huge_integers_are_accepted() -> None:
    data = parse_json(b'{"a": NaN, "b": -Infinity, "c": 123456789012345678901234567890}')
    assert math.isnan(data["a"])
    assert data["b"] == -math.inf
    assert data["c"] == 123456789012345678901234567890


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b'{"a": 1,}', b"nope"])
def test_malformed_bodies_name_the_body(body: bytes) -> None:
    with pytest.raises(MalformedRequestError) as caught:
        parse_json(body)
    assert caught.value.field == "body"
