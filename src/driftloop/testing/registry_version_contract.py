"""Contract suite for :class:`~driftloop.store.base.ModelVersionStore`.

Needs the ``registry_store`` and ``model_version_store`` fixtures (one backend); see
:mod:`driftloop.testing.registry_contract`.
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.entities import ModelVersionStatus
from driftloop.errors import (
    InvalidParameterError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from driftloop.store.base import ModelVersionStore, RegistryStore
from driftloop.testing.helpers import T0, unique_name, wait_next_millisecond

BAD_VERSIONS = {"zero": 0, "negative": -1, "bool": True, "string": "1", "huge": 2**31}


def new_model(registry_store: RegistryStore) -> str:
    """Create a uniquely named model without versions; return its name."""
    name = unique_name("mv")
    registry_store.create_registered_model(name)
    return name


class ModelVersionStoreContract:
    """Behaviour every :class:`ModelVersionStore` backend must show (MLflow semantics)."""

    def test_version_create_and_get(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """A new version is READY, numbered 1, and carries what was given."""
        name = new_model(registry_store)
        created = model_version_store.create_model_version(
            name,
            "s3://bucket/model",
            run_id="a" * 32,
            tags={"stage": "candidate"},
            description="first",
            actor="alice",
        )
        assert created.name == name
        assert created.version == 1
        assert created.source == "s3://bucket/model"
        assert created.run_id == "a" * 32
        assert created.tags == {"stage": "candidate"}
        assert created.description == "first"
        assert created.status == ModelVersionStatus.READY
        assert created.status_message is None
        assert created.aliases == ()
        assert created.created_by == "alice"
        assert created.creation_timestamp > T0
        assert created.last_updated_timestamp == created.creation_timestamp
        assert model_version_store.get_model_version(name, 1) == created

    def test_version_created_by_is_none_without_actor(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Without an actor the version has no creator and no run."""
        name = new_model(registry_store)
        created = model_version_store.create_model_version(name, "s3://b/1")
        assert (created.created_by, created.run_id, created.description) == (None, None, None)

    def test_versions_increment_and_are_never_reused(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Numbers go 1, 2, 3; deleting the highest does not free its number."""
        name = new_model(registry_store)
        numbers = [model_version_store.create_model_version(name, "s3://b").version for _ in "abc"]
        assert numbers == [1, 2, 3]
        model_version_store.delete_model_version(name, 3)
        model_version_store.delete_model_version(name, 2)
        assert model_version_store.create_model_version(name, "s3://b").version == 4
        other = new_model(registry_store)
        assert model_version_store.create_model_version(other, "s3://b").version == 1

    def test_version_create_moves_the_model_update_time(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Registering a version updates the model's ``last_updated_timestamp``."""
        name = new_model(registry_store)
        before = registry_store.get_registered_model(name).last_updated_timestamp
        wait_next_millisecond()
        version = model_version_store.create_model_version(name, "s3://b")
        after = registry_store.get_registered_model(name).last_updated_timestamp
        assert after == version.creation_timestamp > before

    def test_version_create_errors(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Missing models and invalid fields raise typed errors and create nothing."""
        missing = unique_name("missing")
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(missing)):
            model_version_store.create_model_version(missing, "s3://b")
        name = new_model(registry_store)
        with pytest.raises(InvalidParameterError, match=r"source"):
            model_version_store.create_model_version(name, "")
        with pytest.raises(InvalidParameterError, match=r"limit is 500"):
            model_version_store.create_model_version(name, "s3://" + "x" * 500)
        with pytest.raises(InvalidParameterError, match=r"run_id"):
            model_version_store.create_model_version(name, "s3://b", run_id="r" * 33)
        with pytest.raises(InvalidParameterError, match=r"invalid tag key"):
            model_version_store.create_model_version(name, "s3://b", tags={"a//b": "v"})
        with pytest.raises(InvalidParameterError, match=r"limit is 5000"):
            model_version_store.create_model_version(name, "s3://b", description="d" * 5001)
        assert model_version_store.get_latest_version(name) is None

    def test_version_get_missing_version_raises(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """A version the model never had, or had and lost, is ModelVersionNotFoundError."""
        name = new_model(registry_store)
        model_version_store.create_model_version(name, "s3://b")
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 2"):
            model_version_store.get_model_version(name, 2)
        model_version_store.delete_model_version(name, 1)
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 1"):
            model_version_store.get_model_version(name, 1)
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 1"):
            model_version_store.delete_model_version(name, 1)
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            model_version_store.get_model_version(unique_name("missing"), 1)

    @pytest.mark.parametrize("version", BAD_VERSIONS.values(), ids=BAD_VERSIONS.keys())
    def test_version_invalid_version_raises(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore, version: int
    ) -> None:
        """Versions are positive 32-bit integers (not bools, not strings)."""
        name = new_model(registry_store)
        with pytest.raises(InvalidParameterError, match=r"version must be"):
            model_version_store.get_model_version(name, version)

    def test_version_update_description(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """The description is replaced and cleared; the version's update time moves."""
        name = new_model(registry_store)
        created = model_version_store.create_model_version(name, "s3://b", description="a")
        wait_next_millisecond()
        updated = model_version_store.update_model_version(name, 1, "b")
        assert updated.description == "b"
        assert updated.last_updated_timestamp > created.last_updated_timestamp
        assert model_version_store.update_model_version(name, 1, None).description is None
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 9"):
            model_version_store.update_model_version(name, 9, "x")

    def test_version_set_status(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Status and message are set together; unknown statuses are rejected."""
        name = new_model(registry_store)
        model_version_store.create_model_version(name, "s3://b")
        failed = model_version_store.set_model_version_status(
            name, 1, ModelVersionStatus.FAILED_REGISTRATION, "copy failed"
        )
        assert failed.status == ModelVersionStatus.FAILED_REGISTRATION
        assert failed.status_message == "copy failed"
        ready = model_version_store.set_model_version_status(name, 1, ModelVersionStatus.READY)
        assert (ready.status, ready.status_message) == (ModelVersionStatus.READY, None)
        with pytest.raises(InvalidParameterError, match=r"unknown model version status"):
            model_version_store.set_model_version_status(name, 1, "ARCHIVED")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match=r"limit is 500"):
            model_version_store.set_model_version_status(
                name, 1, ModelVersionStatus.READY, "m" * 501
            )

    def test_version_set_and_delete_tags(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Version tags are set, overwritten and deleted, apart from other versions'."""
        name = new_model(registry_store)
        model_version_store.create_model_version(name, "s3://b", tags={"a": "1"})
        model_version_store.create_model_version(name, "s3://b", tags={"a": "other"})
        model_version_store.set_model_version_tag(name, 1, "a", "2")
        model_version_store.set_model_version_tag(name, 1, "b", "3")
        assert model_version_store.get_model_version(name, 1).tags == {"a": "2", "b": "3"}
        model_version_store.delete_model_version_tag(name, 1, "a")
        model_version_store.delete_model_version_tag(name, 1, "never-set")
        assert model_version_store.get_model_version(name, 1).tags == {"b": "3"}
        assert model_version_store.get_model_version(name, 2).tags == {"a": "other"}
        with pytest.raises(InvalidParameterError, match=r"invalid tag key"):
            model_version_store.set_model_version_tag(name, 1, "/abs", "v")
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 3"):
            model_version_store.set_model_version_tag(name, 3, "k", "v")
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 3"):
            model_version_store.delete_model_version_tag(name, 3, "k")

    def test_version_get_latest_version(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """The highest existing version, or None; deleting it falls back to the previous."""
        name = new_model(registry_store)
        assert model_version_store.get_latest_version(name) is None
        model_version_store.create_model_version(name, "s3://b/1")
        model_version_store.create_model_version(name, "s3://b/2")
        latest = model_version_store.get_latest_version(name)
        assert latest is not None
        assert (latest.version, latest.source) == (2, "s3://b/2")
        model_version_store.delete_model_version(name, 2)
        latest = model_version_store.get_latest_version(name)
        assert latest is not None
        assert latest.version == 1
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            model_version_store.get_latest_version(unique_name("missing"))
