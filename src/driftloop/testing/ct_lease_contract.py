"""The lease part of the :class:`~driftloop.store.base.CtStore` contract.

Included in :class:`~driftloop.testing.ct_contract.CtStoreContract`; it needs the same
``ct_store`` fixture. Lease names are unique per test and times are explicit (from
:data:`T0`), so tests share a database and never wait on the clock.
"""

# ruff: noqa: S101

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from driftloop.entities import CtLease
from driftloop.errors import InvalidParameterError
from driftloop.store.base import CtStore
from driftloop.testing.helpers import T0, unique_name

TTL = 30_000
THREADS = 8


def race_for_lease(store: CtStore, name: str, now: int) -> list[CtLease | None]:
    """``THREADS`` holders ``h0``... try to take the lease at the same instant."""
    barrier = threading.Barrier(THREADS)

    def take(i: int) -> CtLease | None:
        barrier.wait(timeout=30)
        return store.acquire_lease(name, f"h{i}", ttl_ms=TTL, now=now)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(take, range(THREADS)))


class CtLeaseContract:
    """Leases: one holder at a time, renewal, expiry, release, atomic under races."""

    @pytest.fixture
    def lease(self) -> str:
        """A lease name no other test uses."""
        return unique_name("lease")

    def test_free_lease_is_taken(self, ct_store: CtStore, lease: str) -> None:
        """A lease nobody holds is taken: expires at now + ttl, acquired now."""
        assert ct_store.get_lease(lease) is None
        taken = ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        assert taken == CtLease(lease, "replica-a", T0 + TTL, T0)
        assert ct_store.get_lease(lease) == taken

    def test_valid_lease_is_refused_to_others(self, ct_store: CtStore, lease: str) -> None:
        """Until it expires, another holder gets None and the lease stays as it was."""
        taken = ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        for at in (T0, T0 + 1, T0 + TTL - 1):
            assert ct_store.acquire_lease(lease, "replica-b", ttl_ms=TTL, now=at) is None
        assert ct_store.get_lease(lease) == taken

    def test_holder_renews(self, ct_store: CtStore, lease: str) -> None:
        """Renewing extends the expiry and keeps the acquisition time."""
        ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        renewed = ct_store.acquire_lease(lease, "replica-a", ttl_ms=2 * TTL, now=T0 + TTL - 1)
        assert renewed == CtLease(lease, "replica-a", T0 + 3 * TTL - 1, T0)
        assert ct_store.acquire_lease(lease, "replica-b", ttl_ms=TTL, now=T0 + TTL + 1) is None

    def test_expired_lease_is_taken_over(self, ct_store: CtStore, lease: str) -> None:
        """At its expiry time another holder takes it; the old holder is then refused."""
        ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        stolen = ct_store.acquire_lease(lease, "replica-b", ttl_ms=TTL, now=T0 + TTL)
        assert stolen == CtLease(lease, "replica-b", T0 + 2 * TTL, T0 + TTL)
        assert ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0 + TTL + 1) is None
        assert ct_store.release_lease(lease, "replica-a") is False
        assert ct_store.get_lease(lease) == stolen

    def test_holder_retaking_its_expired_lease_gets_a_new_acquisition(
        self, ct_store: CtStore, lease: str
    ) -> None:
        """A holder whose lease lapsed may retake it, but its ``acquired`` starts over."""
        ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        again = ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0 + 5 * TTL)
        assert again == CtLease(lease, "replica-a", T0 + 6 * TTL, T0 + 5 * TTL)

    def test_release(self, ct_store: CtStore, lease: str) -> None:
        """Only the holder releases; a released lease is free at once."""
        ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        assert ct_store.release_lease(lease, "replica-b") is False
        assert ct_store.release_lease(lease, "replica-a") is True
        assert ct_store.get_lease(lease) is None
        assert ct_store.release_lease(lease, "replica-a") is False
        taken = ct_store.acquire_lease(lease, "replica-b", ttl_ms=TTL, now=T0 + 1)
        assert taken is not None
        assert taken.holder == "replica-b"

    def test_leases_are_independent(self, ct_store: CtStore, lease: str) -> None:
        """Holding one lease says nothing about another name."""
        ct_store.acquire_lease(lease, "replica-a", ttl_ms=TTL, now=T0)
        other = ct_store.acquire_lease(f"{lease}-2", "replica-b", ttl_ms=TTL, now=T0)
        assert other is not None
        assert other.holder == "replica-b"

    def test_racing_for_a_free_lease_one_wins(self, ct_store: CtStore, lease: str) -> None:
        """Holders racing for a free lease: exactly one gets it, and it is the stored one."""
        outcomes = race_for_lease(ct_store, lease, T0)
        winners = [lease_ for lease_ in outcomes if lease_ is not None]
        assert len(winners) == 1, outcomes
        assert ct_store.get_lease(lease) == winners[0]

    def test_racing_for_an_expired_lease_one_wins(self, ct_store: CtStore, lease: str) -> None:
        """Holders racing to take over an expired lease: exactly one gets it."""
        ct_store.acquire_lease(lease, "replica-dead", ttl_ms=TTL, now=T0)
        outcomes = race_for_lease(ct_store, lease, T0 + TTL)
        winners = [lease_ for lease_ in outcomes if lease_ is not None]
        assert len(winners) == 1, outcomes
        assert winners[0].acquired == T0 + TTL
        assert ct_store.get_lease(lease) == winners[0]

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": None}, "name"),
            ({"name": "n" * 257}, "name"),
            ({"holder": ""}, "holder"),
            ({"holder": 7}, "holder"),
            ({"ttl_ms": 0}, "ttl_ms"),
            ({"ttl_ms": 86_400_001}, "ttl_ms"),
            ({"ttl_ms": True}, "ttl_ms"),
            ({"ttl_ms": 1.5}, "ttl_ms"),
            ({"now": -5}, "now"),
        ],
    )
    def test_bad_lease_arguments(
        self, ct_store: CtStore, lease: str, arguments: dict[str, Any], field: str
    ) -> None:
        """Each invalid argument raises InvalidParameterError naming it; nothing is taken."""
        arguments = {"name": lease, "holder": "replica-a", "ttl_ms": TTL, "now": T0, **arguments}
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            ct_store.acquire_lease(**arguments)
        assert caught.value.field == field
        assert ct_store.get_lease(lease) is None
        if field in {"name", "holder"}:
            release = {"name": lease, "holder": "replica-a", **arguments}
            release.pop("ttl_ms")
            release.pop("now")
            with pytest.raises(InvalidParameterError, match=r".") as released:
                ct_store.release_lease(**release)
            assert released.value.field == field
