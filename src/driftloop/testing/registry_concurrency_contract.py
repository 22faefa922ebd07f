"""Concurrency contract of the registry stores, exercised with real threads.

Needs the ``registry_store``, ``model_version_store`` and ``event_store`` fixtures over one
backend that several threads may use at once (the SQL stores are thread-safe; an in-memory
SQLite database serializes its transactions, which must still give the same results).
"""

# ruff: noqa: S101

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from driftloop.entities import RegistryEventType
from driftloop.errors import AlreadyExistsError
from driftloop.store.base import EventStore, ModelVersionStore, RegistryStore
from driftloop.testing.helpers import unique_name
from driftloop.testing.registry_event_contract import events_of

T = TypeVar("T")

THREADS = 8
CALLS_PER_THREAD = 6


def run_together(work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """Run ``work(i)`` for ``i in range(threads)`` on that many threads, started together."""
    barrier = threading.Barrier(threads)

    def start(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(start, range(threads)))


class RegistryConcurrencyContract:
    """Concurrent writers never duplicate, skip or lose registry changes."""

    def test_concurrent_versions_are_consecutive(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        event_store: EventStore,
    ) -> None:
        """Threads registering versions of one model get 1..N exactly once each."""
        name = unique_name("cc")
        registry_store.create_registered_model(name)

        def register(i: int) -> list[int]:
            return [
                model_version_store.create_model_version(
                    name, f"s3://b/{i}/{j}", actor=f"t{i}"
                ).version
                for j in range(CALLS_PER_THREAD)
            ]

        numbers = [n for batch in run_together(register) for n in batch]
        total = THREADS * CALLS_PER_THREAD
        assert sorted(numbers) == list(range(1, total + 1))
        latest = model_version_store.get_latest_version(name)
        assert latest is not None
        assert latest.version == total
        created = [
            e.version
            for e in events_of(event_store, name)
            if e.event_type == RegistryEventType.MODEL_VERSION_CREATED
        ]
        assert created == list(range(1, total + 1))  # event order == numbering order

    def test_concurrent_alias_moves_form_an_unbroken_chain(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        event_store: EventStore,
    ) -> None:
        """Every move of one alias is logged with the version the previous move set."""
        name = unique_name("cc")
        registry_store.create_registered_model(name)
        for i in range(THREADS):
            model_version_store.create_model_version(name, f"s3://b/{i}")

        def move(i: int) -> None:
            for j in range(CALLS_PER_THREAD):
                registry_store.set_alias(name, "champion", (i + j) % THREADS + 1, actor=f"t{i}")

        run_together(move)
        moves = [
            e
            for e in events_of(event_store, name)
            if e.event_type == RegistryEventType.ALIAS_SET and e.alias == "champion"
        ]
        assert len(moves) == THREADS * CALLS_PER_THREAD
        assert moves[0].from_version is None
        for previous, current in itertools.pairwise(moves):
            assert current.from_version == previous.to_version
        final = registry_store.get_model_version_by_alias(name, "champion").version
        assert final == moves[-1].to_version
        assert registry_store.get_registered_model(name).aliases == {"champion": final}

    def test_concurrent_creates_of_one_name_let_one_win(
        self, registry_store: RegistryStore, event_store: EventStore
    ) -> None:
        """Racing creates of one name: one succeeds, the rest get AlreadyExistsError."""
        name = unique_name("cc")

        def create(_i: int) -> str:
            try:
                registry_store.create_registered_model(name)
            except AlreadyExistsError:
                return "exists"
            return "created"

        outcomes = run_together(create)
        assert sorted(outcomes) == ["created"] + ["exists"] * (THREADS - 1)
        assert [e.event_type for e in events_of(event_store, name)] == [
            RegistryEventType.REGISTERED_MODEL_CREATED
        ]
        with pytest.raises(AlreadyExistsError, match="already exists"):
            registry_store.create_registered_model(name)
