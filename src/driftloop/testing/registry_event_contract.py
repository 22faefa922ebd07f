"""Contract suite for :class:`~driftloop.store.base.EventStore` (the registry event log).

Needs the ``registry_store``, ``model_version_store`` and ``event_store`` fixtures (one
backend). Tests read the events of their own uniquely named models.
"""

# ruff: noqa: S101

from __future__ import annotations

import pytest

from driftloop.entities import ModelVersionStatus, RegistryEvent, RegistryEventType
from driftloop.errors import (
    AliasNotFoundError,
    InvalidPageTokenError,
    InvalidParameterError,
    ModelVersionNotFoundError,
)
from driftloop.store.base import EventStore, ModelVersionStore, RegistryStore
from driftloop.testing.helpers import FORGED_PAGE_TOKEN, T0, collect_pages, unique_name

E = RegistryEventType


def events_of(event_store: EventStore, name: str) -> list[RegistryEvent]:
    """Every event listed for model ``name``, all pages."""
    pages = collect_pages(
        lambda token: event_store.list_events(name, max_results=7, page_token=token)
    )
    return [event for page in pages for event in page]


def _summary(events: list[RegistryEvent]) -> list[tuple[object, ...]]:
    return [
        (e.event_type, e.actor, e.version, e.alias, e.from_version, e.to_version) for e in events
    ]


class EventStoreContract:
    """Every recorded registry change appears once, in commit order, and is never lost."""

    def test_event_each_mutation_records_an_event(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        event_store: EventStore,
    ) -> None:
        """Creates, status changes, alias moves and deletes are logged with actor and versions."""
        name = unique_name("ev")
        registry_store.create_registered_model(name, actor="alice")
        model_version_store.create_model_version(name, "s3://b/1", run_id="r1", actor="bob")
        model_version_store.create_model_version(name, "s3://b/2")
        model_version_store.set_model_version_status(
            name, 2, ModelVersionStatus.PENDING_REGISTRATION, actor="ci"
        )
        registry_store.set_alias(name, "prod", 1, actor="alice")
        registry_store.set_alias(name, "prod", 2, actor="bob")
        registry_store.set_alias(name, "prod", 2, actor="bob")
        registry_store.set_alias(name, "shadow", 2)
        registry_store.delete_alias(name, "shadow", actor="carol")
        model_version_store.delete_model_version(name, 2, actor="dave")
        events = events_of(event_store, name)
        assert _summary(events) == [
            (E.REGISTERED_MODEL_CREATED, "alice", None, None, None, None),
            (E.MODEL_VERSION_CREATED, "bob", 1, None, None, None),
            (E.MODEL_VERSION_CREATED, "unknown", 2, None, None, None),
            (E.MODEL_VERSION_STATUS_CHANGED, "ci", 2, None, None, None),
            (E.ALIAS_SET, "alice", 1, "prod", None, 1),
            (E.ALIAS_SET, "bob", 2, "prod", 1, 2),
            (E.ALIAS_SET, "bob", 2, "prod", 2, 2),
            (E.ALIAS_SET, "unknown", 2, "shadow", None, 2),
            (E.ALIAS_DELETED, "carol", 2, "shadow", 2, None),
            (E.ALIAS_DELETED, "dave", 2, "prod", 2, None),
            (E.MODEL_VERSION_DELETED, "dave", 2, None, None, None),
        ]
        assert all(event.model_name == name for event in events)
        assert all(event.timestamp > T0 for event in events)
        ids = [event.event_id for event in events]
        assert ids == sorted(set(ids))
        assert events[1].details == {"source": "s3://b/1", "run_id": "r1"}
        assert events[3].details == {
            "from_status": "READY",
            "to_status": "PENDING_REGISTRATION",
        }

    def test_event_calls_that_fail_record_nothing(
        self,
        registry_store: RegistryStore,
        event_store: EventStore,
    ) -> None:
        """A rejected change leaves no event behind."""
        name = unique_name("ev")
        registry_store.create_registered_model(name)
        before = events_of(event_store, name)
        with pytest.raises(InvalidParameterError, match="reserved"):
            registry_store.set_alias(name, "latest", 1)
        with pytest.raises(ModelVersionNotFoundError, match="no version 1"):
            registry_store.set_alias(name, "prod", 1)
        with pytest.raises(AliasNotFoundError, match="no alias"):
            registry_store.delete_alias(name, "prod")
        assert events_of(event_store, name) == before

    def test_event_rename_is_logged_and_history_follows(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        event_store: EventStore,
    ) -> None:
        """The rename is listed under the old name; the new name lists the whole history."""
        old, new = unique_name("ev"), unique_name("ev")
        registry_store.create_registered_model(old)
        model_version_store.create_model_version(old, "s3://b/1")
        registry_store.rename_registered_model(old, new, actor="erin")
        model_version_store.create_model_version(new, "s3://b/2")
        old_events = events_of(event_store, old)
        assert [e.event_type for e in old_events] == [
            E.REGISTERED_MODEL_CREATED,
            E.MODEL_VERSION_CREATED,
            E.REGISTERED_MODEL_RENAMED,
        ]
        renamed = old_events[-1]
        assert (renamed.model_name, renamed.actor, renamed.details) == (
            old,
            "erin",
            {"new_name": new},
        )
        new_events = events_of(event_store, new)
        assert new_events[:3] == old_events
        assert (new_events[3].event_type, new_events[3].model_name) == (
            E.MODEL_VERSION_CREATED,
            new,
        )

    def test_events_survive_deletes(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        event_store: EventStore,
    ) -> None:
        """Deleting versions and the model appends events; none is removed."""
        name = unique_name("ev")
        registry_store.create_registered_model(name)
        model_version_store.create_model_version(name, "s3://b/1")
        model_version_store.create_model_version(name, "s3://b/2")
        registry_store.set_alias(name, "prod", 2)
        model_version_store.delete_model_version(name, 1)
        before = events_of(event_store, name)
        registry_store.delete_registered_model(name, actor="frank")
        after = events_of(event_store, name)
        assert after[: len(before)] == before
        deleted = after[len(before) :]
        assert [(e.event_type, e.actor) for e in deleted] == [(E.REGISTERED_MODEL_DELETED, "frank")]
        assert deleted[0].details == {"deleted_versions": "1"}
        registry_store.create_registered_model(name)
        assert events_of(event_store, name)[: len(after)] == after

    def test_event_after_event_id_and_pages(
        self, registry_store: RegistryStore, event_store: EventStore
    ) -> None:
        """``after_event_id`` resumes a follower; pages and the global log agree."""
        names = [unique_name("ev") for _ in range(3)]
        start = event_store.list_events(names[0]).items
        assert start == ()
        registry_store.create_registered_model(names[0])
        first = events_of(event_store, names[0])[0].event_id
        for name in names[1:]:
            registry_store.create_registered_model(name)
        pages = collect_pages(
            lambda token: event_store.list_events(
                after_event_id=first - 1, max_results=1, page_token=token
            )
        )
        everything = [event for page in pages for event in page]
        assert [e.model_name for e in everything][:3] == names
        assert all(len(page) == 1 for page in pages)
        later = event_store.list_events(after_event_id=first)
        assert [e.model_name for e in later][:2] == names[1:]
        assert event_store.list_events(names[0], after_event_id=first).items == ()

    def test_event_invalid_arguments_raise(self, event_store: EventStore) -> None:
        """Bad page tokens, page sizes and cursors raise typed errors."""
        with pytest.raises(InvalidPageTokenError, match="page token"):
            event_store.list_events(page_token=FORGED_PAGE_TOKEN)
        for bad in (0, 10_001):
            with pytest.raises(InvalidParameterError, match="max_results"):
                event_store.list_events(max_results=bad)
        with pytest.raises(InvalidParameterError, match="after_event_id"):
            event_store.list_events(after_event_id="3")  # type: ignore[arg-type]
