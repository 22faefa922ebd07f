"""UUIDv7 request ids: layout, ordering, uniqueness, time extraction."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import pytest

from driftloop.monitoring.request_ids import new_request_id, request_id_time_ms


def test_layout_is_a_canonical_lowercase_uuid_v7() -> None:
    rid = new_request_id()
    parsed = uuid.UUID(rid)
    assert str(parsed) == rid
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_of_one_process_are_strictly_increasing_and_unique() -> None:
    ids = [new_request_id() for _ in range(100_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


def test_embedded_time_is_the_creation_time() -> None:
    before = time.time_ns() // 1_000_000
    rid = new_request_id()
    after = time.time_ns() // 1_000_000
    embedded = request_id_time_ms(rid)
    assert embedded is not None
    # The counter may push an id at most a few ms ahead when ids are made very fast.
    assert before <= embedded <= after + 5


def test_time_extraction_of_a_known_id() -> None:
    assert request_id_time_ms("01890a5d-ac96-774b-bcce-b302099a8057") == 0x01890A5DAC96
    assert request_id_time_ms("01890A5D-AC96-774B-BCCE-B302099A8057") == 0x01890A5DAC96


@pytest.mark.parametrize(
    "value",
    [
        "6f1c2a8e-1d2b-4c3d-9e4f-5a6b7c8d9e0f",  # version 4
        "01890a5d-ac96-174b-bcce-b302099a8057",  # version 1
        "01890a5d-ac96-774b-7cce-b302099a8057",  # wrong variant
        "01890a5dac96774bbcceb302099a8057",  # no dashes
        "not-a-uuid",
        "",
    ],
)
def test_non_v7_strings_have_no_time(value: str) -> None:
    assert request_id_time_ms(value) is None


def _ids_in_child(count: int) -> list[str]:
    return [new_request_id() for _ in range(count)]


def test_ids_are_unique_across_processes() -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        batches = pool.map(_ids_in_child, [20_000, 20_000])
    mine = _ids_in_child(20_000)
    every = [rid for batch in batches for rid in batch] + mine
    assert len(set(every)) == len(every) == 60_000
