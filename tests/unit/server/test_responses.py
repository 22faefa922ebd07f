import json
import math

from hypothesis import given
from hypothesis import strategies as st

from driftloop.server.responses import encode


def test_non_finite_numbers_become_strings_and_strings_stay() -> None:
    data = {
        "a": math.nan,
        "b": [math.inf, -math.inf, 1.5],
        "NaN": 'NaN and Infinity in text, "quoted NaN" too',
        "c": {"d": -math.inf},
    }
    decoded = json.loads(encode(data))
    assert decoded == {
        "a": "NaN",
        "b": ["Infinity", "-Infinity", 1.5],
        "NaN": 'NaN and Infinity in text, "quoted NaN" too',
        "c": {"d": "-Infinity"},
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def _expected(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [_expected(item) for item in value]
    if isinstance(value, dict):
        return {key: _expected(item) for key, item in value.items()}
    return value


@given(json_values)
def test_encoding_is_strict_json_with_the_same_content(value: object) -> None:
    decoded = json.loads(encode(value), parse_constant=pytest_fail)
    assert decoded == _expected(value)


def pytest_fail(token: str) -> None:
    raise AssertionError(f"bare {token} token in the output")
