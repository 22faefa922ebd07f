"""Durations, entry points and metric directions: the scalar values of a policy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.ct import (
    HIGHER_IS_BETTER,
    EntryPoint,
    format_duration,
    parse_duration,
    parse_entry_point,
)

UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


@given(st.integers(min_value=1, max_value=100 * 365 * 86_400))
def test_format_then_parse_is_identity(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    text = format_duration(duration)
    assert parse_duration(text) == duration
    assert format_duration(parse_duration(text)) == text


@given(st.dictionaries(st.sampled_from(list(UNITS)), st.integers(0, 2_000), min_size=1))
def test_parse_sums_the_units_in_canonical_order(counts: dict[str, int]) -> None:
    text = "".join(f"{counts[unit]}{unit}" for unit in UNITS if unit in counts)
    total = sum(count * UNITS[unit] for unit, count in counts.items())
    if total == 0:
        with pytest.raises(ValueError, match="longer than zero"):
            parse_duration(text)
    else:
        assert parse_duration(text) == timedelta(seconds=total)


@given(st.text(alphabet="0123456789wdhms xy.-", max_size=12))
def test_parse_accepts_exactly_the_grammar(text: str) -> None:
    match = re.fullmatch(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    groups = match.groups() if match else ()
    total = sum(
        int(group) * size for group, size in zip(groups, UNITS.values(), strict=False) if group
    )
    if 0 < total <= 100 * 366 * 86_400:
        assert parse_duration(text) == timedelta(seconds=total)
    else:
        with pytest.raises(ValueError, match=r"duration|longer than"):
            parse_duration(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("12h", 43200),
        ("7d", 604800),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 45s ", 45),
        ("2d12h", 216000),
    ],
)
def test_documented_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "7", "d", "7 d", "1.5h", "30m1h", "-1h", "1y", "0s", "1H"])
def test_refused_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_absurd_durations_are_refused_not_overflowing() -> None:
    with pytest.raises(ValueError, match="longer than 100 years"):
        parse_duration("99999999999999999w")


def test_format_refuses_fractions_and_non_positive() -> None:
    with pytest.raises(ValueError, match="whole number"):
        format_duration(timedelta(milliseconds=1500))
    with pytest.raises(ValueError, match="whole number"):
        format_duration(timedelta(0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("train:main", EntryPoint("function", "train", "main")),
        ("pkg.sub.train:Trainer.fit", EntryPoint("function", "pkg.sub.train", "Trainer.fit")),
        ("./projects/churn#train", EntryPoint("project", "./projects/churn", "train")),
        ("/abs/dir with space#fit-v2", EntryPoint("project", "/abs/dir with space", "fit-v2")),
    ],
)
def test_entry_points(text: str, expected: EntryPoint) -> None:
    assert parse_entry_point(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    "text", ["main", "train.py", "pkg:", ":main", "a b:c", "1pkg:main", "dir#", "#entry", "a:b:c"]
)
def test_refused_entry_points(text: str) -> None:
    with pytest.raises(ValueError, match="is not 'module:function'"):
        parse_entry_point(text)


def test_loader_form_refuses_projects() -> None:
    with pytest.raises(ValueError, match=r"is not 'module:function'$"):
        parse_entry_point("proj#load", allow_project=False)


def test_known_metric_directions() -> None:
    higher = {name for name, better in HIGHER_IS_BETTER.items() if better}
    lower = {name for name, better in HIGHER_IS_BETTER.items() if not better}
    assert {"accuracy", "f1", "roc_auc", "r2"} <= higher
    assert {"log_loss", "rmse", "mae"} <= lower
