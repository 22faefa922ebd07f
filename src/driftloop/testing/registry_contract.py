"""Contract suites for the model registry stores, and one class that binds them all.

Bind them by subclassing in a test module that provides three fixtures over one backend:
``registry_store`` (:class:`~driftloop.store.base.RegistryStore`), ``model_version_store``
(:class:`~driftloop.store.base.ModelVersionStore`) and ``event_store``
(:class:`~driftloop.store.base.EventStore`)::

    class TestMyRegistry(ModelRegistryContract):
        pass

Every test creates uniquely named models and searches only among them, so the suites can
share one database between tests (and between xdist workers with their own databases).
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.errors import (
    AliasNotFoundError,
    AlreadyExistsError,
    InvalidParameterError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from driftloop.store.base import ModelVersionStore, RegistryStore
from driftloop.testing.helpers import T0, unique_name, wait_next_millisecond
from driftloop.testing.registry_concurrency_contract import RegistryConcurrencyContract
from driftloop.testing.registry_event_contract import EventStoreContract
from driftloop.testing.registry_search_contract import RegistrySearchContract
from driftloop.testing.registry_version_contract import ModelVersionStoreContract

BAD_MODEL_NAMES = ["", "   ", "a/b", "a:b", "../up", "./here", "x" * 257]
BAD_ALIASES = {
    "empty": ("", "non-empty"),
    "space": ("a b", "letters, digits"),
    "dot": ("a.b", "letters, digits"),
    "too-long": ("x" * 256, "limit is 255"),
    "latest": ("latest", "reserved"),
    "Latest": ("LaTeSt", "reserved"),
    "v1": ("v1", "reserved"),
    "V12": ("V12", "reserved"),
}


class RegistryStoreContract:
    """Behaviour every :class:`RegistryStore` backend must show (MLflow semantics)."""

    # -- create / get -------------------------------------------------------------------

    def test_model_create_and_get(self, registry_store: RegistryStore) -> None:
        """A new model carries its description and tags, no aliases, sane timestamps."""
        name = unique_name("rm")
        created = registry_store.create_registered_model(name, "about it", {"team": "risk"})
        assert created.name == name
        assert created.description == "about it"
        assert created.tags == {"team": "risk"}
        assert created.aliases == {}
        assert created.creation_timestamp > T0
        assert created.last_updated_timestamp == created.creation_timestamp
        assert registry_store.get_registered_model(name) == created

    def test_model_create_without_description_or_tags(self, registry_store: RegistryStore) -> None:
        """Description and tags are optional."""
        created = registry_store.create_registered_model(unique_name("rm"))
        assert created.description is None
        assert created.tags == {}

    def test_model_duplicate_name_raises(self, registry_store: RegistryStore) -> None:
        """Names are unique."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        with pytest.raises(AlreadyExistsError, match=re.escape(name)):
            registry_store.create_registered_model(name)

    def test_model_names_are_case_sensitive(self, registry_store: RegistryStore) -> None:
        """``Model`` and ``model`` are two models."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        registry_store.create_registered_model(name.upper())
        assert registry_store.get_registered_model(name.upper()).name == name.upper()

    @pytest.mark.parametrize("bad_name", BAD_MODEL_NAMES)
    def test_model_invalid_name_raises(self, registry_store: RegistryStore, bad_name: str) -> None:
        """Blank names, '/', ':', path tricks and names over 256 characters are rejected."""
        with pytest.raises(InvalidParameterError, match=r"model name"):
            registry_store.create_registered_model(bad_name)

    def test_model_invalid_tag_raises(self, registry_store: RegistryStore) -> None:
        """Tag keys follow the run tag rules; nothing is created on error."""
        name = unique_name("rm")
        with pytest.raises(InvalidParameterError, match=r"invalid tag key"):
            registry_store.create_registered_model(name, tags={"bad key!": "v"})
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(name)):
            registry_store.get_registered_model(name)

    def test_model_get_missing_raises(self, registry_store: RegistryStore) -> None:
        """An unknown name is RegisteredModelNotFoundError."""
        name = unique_name("missing")
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(name)):
            registry_store.get_registered_model(name)

    # -- update / tags --------------------------------------------------------------------

    def test_model_update_description(self, registry_store: RegistryStore) -> None:
        """The description is replaced, then cleared by None; the update time moves."""
        name = unique_name("rm")
        created = registry_store.create_registered_model(name, "old")
        wait_next_millisecond()
        updated = registry_store.update_registered_model(name, "new")
        assert updated.description == "new"
        assert updated.last_updated_timestamp > created.last_updated_timestamp
        assert registry_store.update_registered_model(name, None).description is None
        with pytest.raises(InvalidParameterError, match=r"limit is 5000"):
            registry_store.update_registered_model(name, "x" * 5001)
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            registry_store.update_registered_model(unique_name("missing"), "x")

    def test_model_set_and_delete_tags(self, registry_store: RegistryStore) -> None:
        """Tags are set, overwritten and deleted; deleting an unset tag is no error."""
        name = unique_name("rm")
        registry_store.create_registered_model(name, tags={"a": "1"})
        registry_store.set_registered_model_tag(name, "a", "2")
        registry_store.set_registered_model_tag(name, "b.c", "3")
        assert registry_store.get_registered_model(name).tags == {"a": "2", "b.c": "3"}
        registry_store.delete_registered_model_tag(name, "a")
        registry_store.delete_registered_model_tag(name, "never-set")
        assert registry_store.get_registered_model(name).tags == {"b.c": "3"}

    def test_model_tag_errors(self, registry_store: RegistryStore) -> None:
        """Invalid keys, huge values and missing models raise typed errors."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        with pytest.raises(InvalidParameterError, match=r"invalid tag key"):
            registry_store.set_registered_model_tag(name, "../x", "v")
        with pytest.raises(InvalidParameterError, match=r"limit is 100000"):
            registry_store.set_registered_model_tag(name, "k", "x" * 100_001)
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            registry_store.set_registered_model_tag(unique_name("missing"), "k", "v")
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            registry_store.delete_registered_model_tag(unique_name("missing"), "k")

    # -- rename / delete -------------------------------------------------------------------

    def test_model_rename_carries_versions_tags_and_aliases(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """After a rename the old name is gone and everything answers to the new one."""
        old, new = unique_name("rm"), unique_name("rm")
        registry_store.create_registered_model(old, "d", {"t": "v"})
        model_version_store.create_model_version(old, "s3://b/1", tags={"vt": "1"})
        model_version_store.create_model_version(old, "s3://b/2")
        registry_store.set_alias(old, "champion", 1)
        renamed = registry_store.rename_registered_model(old, new)
        assert renamed.name == new
        assert renamed.tags == {"t": "v"}
        assert renamed.aliases == {"champion": 1}
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(old)):
            registry_store.get_registered_model(old)
        version = model_version_store.get_model_version(new, 1)
        assert (version.name, version.tags, version.aliases) == (new, {"vt": "1"}, ("champion",))
        assert registry_store.get_model_version_by_alias(new, "champion").version == 1
        assert model_version_store.create_model_version(new, "s3://b/3").version == 3
        registry_store.create_registered_model(old)  # the old name is free again
        assert model_version_store.get_latest_version(old) is None

    def test_model_rename_errors(self, registry_store: RegistryStore) -> None:
        """A taken or invalid new name, or a missing model, raise typed errors."""
        first, second = unique_name("rm"), unique_name("rm")
        registry_store.create_registered_model(first)
        registry_store.create_registered_model(second)
        with pytest.raises(AlreadyExistsError, match=re.escape(second)):
            registry_store.rename_registered_model(first, second)
        with pytest.raises(InvalidParameterError, match=r"model name"):
            registry_store.rename_registered_model(first, "a/b")
        with pytest.raises(RegisteredModelNotFoundError, match=r"no registered model"):
            registry_store.rename_registered_model(unique_name("missing"), unique_name("rm"))
        assert registry_store.rename_registered_model(first, first).name == first

    def test_model_delete_cascades(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Deleting a model deletes its versions and aliases; the name can be reused."""
        name = unique_name("rm")
        registry_store.create_registered_model(name, tags={"t": "v"})
        model_version_store.create_model_version(name, "s3://b/1", tags={"vt": "1"})
        registry_store.set_alias(name, "prod", 1)
        registry_store.delete_registered_model(name)
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(name)):
            registry_store.get_registered_model(name)
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(name)):
            model_version_store.get_model_version(name, 1)
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(name)):
            registry_store.delete_registered_model(name)
        recreated = registry_store.create_registered_model(name)
        assert (recreated.tags, recreated.aliases) == ({}, {})
        version = model_version_store.create_model_version(name, "s3://b/new")
        assert (version.version, version.tags, version.aliases) == (1, {}, ())

    # -- aliases ---------------------------------------------------------------------------

    def test_set_move_get_and_delete_alias(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """An alias is created, moved atomically, resolved and deleted."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        for i in range(3):
            model_version_store.create_model_version(name, f"s3://b/{i}")
        registry_store.set_alias(name, "champion", 1)
        registry_store.set_alias(name, "challenger-2", 2)
        assert registry_store.get_model_version_by_alias(name, "champion").version == 1
        registry_store.set_alias(name, "champion", 3)
        assert registry_store.get_model_version_by_alias(name, "champion").version == 3
        model = registry_store.get_registered_model(name)
        assert model.aliases == {"challenger-2": 2, "champion": 3}
        assert model_version_store.get_model_version(name, 1).aliases == ()
        assert model_version_store.get_model_version(name, 3).aliases == ("champion",)
        registry_store.set_alias(name, "challenger-2", 3)
        assert model_version_store.get_model_version(name, 3).aliases == (
            "challenger-2",
            "champion",
        )
        registry_store.delete_alias(name, "champion")
        with pytest.raises(AliasNotFoundError, match="champion"):
            registry_store.get_model_version_by_alias(name, "champion")
        with pytest.raises(AliasNotFoundError, match="champion"):
            registry_store.delete_alias(name, "champion")
        assert registry_store.get_registered_model(name).aliases == {"challenger-2": 3}

    def test_alias_errors(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Missing versions and models raise typed errors; nothing is set."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        model_version_store.create_model_version(name, "s3://b/1")
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 2"):
            registry_store.set_alias(name, "prod", 2)
        with pytest.raises(InvalidParameterError, match=r"positive integer"):
            registry_store.set_alias(name, "prod", "1")  # type: ignore[arg-type]
        missing = unique_name("missing")
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(missing)):
            registry_store.set_alias(missing, "prod", 1)
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(missing)):
            registry_store.get_model_version_by_alias(missing, "prod")
        with pytest.raises(AliasNotFoundError, match="prod"):
            registry_store.get_model_version_by_alias(name, "prod")
        assert registry_store.get_registered_model(name).aliases == {}

    @pytest.mark.parametrize(("alias", "message"), BAD_ALIASES.values(), ids=BAD_ALIASES.keys())
    def test_invalid_alias_raises(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        alias: str,
        message: str,
    ) -> None:
        """MLflow's alias rules: 1..255 word characters or dashes, not latest, not v<N>."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        model_version_store.create_model_version(name, "s3://b/1")
        with pytest.raises(InvalidParameterError, match=message):
            registry_store.set_alias(name, alias, 1)

    def test_alias_removed_with_its_version(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Deleting a version deletes the aliases pointing at it, and only those."""
        name = unique_name("rm")
        registry_store.create_registered_model(name)
        model_version_store.create_model_version(name, "s3://b/1")
        model_version_store.create_model_version(name, "s3://b/2")
        registry_store.set_alias(name, "a", 1)
        registry_store.set_alias(name, "b", 1)
        registry_store.set_alias(name, "c", 2)
        model_version_store.delete_model_version(name, 1)
        assert registry_store.get_registered_model(name).aliases == {"c": 2}
        with pytest.raises(AliasNotFoundError, match="'a'"):
            registry_store.get_model_version_by_alias(name, "a")


class ModelRegistryContract(
    RegistryStoreContract,
    ModelVersionStoreContract,
    RegistrySearchContract,
    EventStoreContract,
    RegistryConcurrencyContract,
):
    """Every registry contract test.

    Needs ``registry_store``, ``model_version_store`` and ``event_store`` (one backend).
    """
