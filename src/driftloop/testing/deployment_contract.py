"""Contract suite for :class:`~driftloop.store.base.DeploymentStore` backends.

Bind it by subclassing in a test module that provides four fixtures over one backend:
``deployment_store``, ``registry_store``, ``model_version_store`` and ``event_store``::

    class TestMyDeployments(DeploymentStoreContract):
        pass

Every test creates uniquely named models and deployments, so the suite can share one database
between tests.
"""

# ruff: noqa: S101

from __future__ import annotations

import math
import re
import threading

import pytest

from driftloop.entities import (
    Deployment,
    DeploymentMode,
    DeploymentState,
    ModelVersionStatus,
    RegistryEvent,
    RegistryEventType,
)
from driftloop.errors import (
    AliasNotFoundError,
    AlreadyExistsError,
    ConflictError,
    DeploymentNotFoundError,
    InvalidParameterError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from driftloop.store.base import DeploymentStore, EventStore, ModelVersionStore, RegistryStore
from driftloop.testing.helpers import T0, unique_name, wait_next_millisecond

BAD_NAMES = ["", "   ", "a/b", "a:b", "../up", "x" * 257]
BAD_FRACTIONS: list[object] = [-0.1, 1.5, math.nan, math.inf, True, "0.5"]
BAD_CHALLENGERS: list[object] = [0, -1, "2", True, 1.5, 2**31]
_DEPLOYMENT_EVENTS = {t for t in RegistryEventType if t.name.startswith("DEPLOYMENT_")}


class DeploymentStoreContract:
    """Behaviour every :class:`DeploymentStore` backend must show."""

    # -- helpers --------------------------------------------------------------------------

    @pytest.fixture
    def model(self, registry_store: RegistryStore, model_version_store: ModelVersionStore) -> str:
        """A model with three READY versions and ``champion`` -> version 1."""
        name = unique_name("dm")
        registry_store.create_registered_model(name)
        for index in range(3):
            model_version_store.create_model_version(name, f"s3://bucket/{name}/{index}")
        registry_store.set_alias(name, "champion", 1)
        return name

    @pytest.fixture
    def deployment(self, deployment_store: DeploymentStore, model: str) -> Deployment:
        """A new deployment of ``model``."""
        return deployment_store.create_deployment(unique_name("dep"), model, actor="alice")

    @staticmethod
    def events(event_store: EventStore, model: str) -> list[RegistryEvent]:
        """The model's deployment and alias events, in order."""
        wanted = {*_DEPLOYMENT_EVENTS, RegistryEventType.ALIAS_SET}
        page = event_store.list_events(model, max_results=1000)
        return [e for e in page.items if e.event_type in wanted]

    # -- create / get / list --------------------------------------------------------------

    def test_create_and_get(
        self, deployment_store: DeploymentStore, event_store: EventStore, model: str
    ) -> None:
        """A new deployment is single, stable, fraction 0.1, revision 1; one event."""
        name = unique_name("dep")
        created = deployment_store.create_deployment(name, model, description="churn api")
        assert created.name == name
        assert created.model_name == model
        assert created.champion_alias == "champion"
        assert created.challenger_version is None
        assert created.mode is DeploymentMode.SINGLE
        assert created.canary_fraction == 0.1
        assert created.state is DeploymentState.STABLE
        assert created.previous_champion_version is None
        assert created.revision == 1
        assert created.creation_timestamp > T0
        assert created.last_updated_timestamp == created.creation_timestamp
        assert created.description == "churn api"
        assert deployment_store.get_deployment(name) == created
        events = self.events(event_store, model)
        assert [e.event_type for e in events][-1] is RegistryEventType.DEPLOYMENT_CREATED
        assert events[-1].details["deployment"] == name
        assert events[-1].actor == "unknown"

    def test_create_with_another_alias(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        model: str,
    ) -> None:
        """Any existing alias can be the champion alias."""
        registry_store.set_alias(model, "prod", 2)
        created = deployment_store.create_deployment(
            unique_name("dep"), model, champion_alias="prod"
        )
        assert created.champion_alias == "prod"

    def test_create_duplicate_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment, model: str
    ) -> None:
        """Names are unique across models."""
        with pytest.raises(AlreadyExistsError, match=re.escape(deployment.name)):
            deployment_store.create_deployment(deployment.name, model)

    @pytest.mark.parametrize("bad_name", BAD_NAMES)
    def test_create_invalid_name_raises(
        self, deployment_store: DeploymentStore, model: str, bad_name: str
    ) -> None:
        """Deployment names follow the registered model name rules."""
        with pytest.raises(InvalidParameterError, match=r"deployment name") as caught:
            deployment_store.create_deployment(bad_name, model)
        assert caught.value.field == "name"

    def test_create_unknown_model_raises(self, deployment_store: DeploymentStore) -> None:
        """The model must exist; the error names ``model_name``."""
        missing = unique_name("missing")
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(missing)) as caught:
            deployment_store.create_deployment(unique_name("dep"), missing)
        assert caught.value.field == "model_name"

    def test_create_missing_alias_raises(
        self, deployment_store: DeploymentStore, model: str
    ) -> None:
        """The champion alias must exist; nothing is created."""
        name = unique_name("dep")
        with pytest.raises(AliasNotFoundError, match=r"no alias 'prod'") as caught:
            deployment_store.create_deployment(name, model, champion_alias="prod")
        assert caught.value.field == "champion_alias"
        with pytest.raises(DeploymentNotFoundError, match=re.escape(name)):
            deployment_store.get_deployment(name)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"champion_alias": "a b"}, "champion_alias"),
            ({"champion_alias": ""}, "champion_alias"),
            ({"description": "x" * 5001}, "description"),
        ],
    )
    def test_create_invalid_values_raise(
        self,
        deployment_store: DeploymentStore,
        model: str,
        kwargs: dict[str, str],
        field: str,
    ) -> None:
        """Each invalid value is refused with its field named."""
        with pytest.raises(InvalidParameterError, match=r".") as caught:
            deployment_store.create_deployment(unique_name("dep"), model, **kwargs)
        assert caught.value.field == field

    def test_get_missing_raises(self, deployment_store: DeploymentStore) -> None:
        """An unknown name is DeploymentNotFoundError."""
        name = unique_name("missing")
        with pytest.raises(DeploymentNotFoundError, match=re.escape(name)):
            deployment_store.get_deployment(name)

    def test_list_sorted_and_filtered(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        model: str,
    ) -> None:
        """All deployments sorted by name; ``model_name`` keeps those of one model."""
        other = unique_name("dm")
        registry_store.create_registered_model(other)
        model_version_store.create_model_version(other, "s3://bucket/other")
        registry_store.set_alias(other, "champion", 1)
        prefix = unique_name("dep")
        names = [f"{prefix}-b", f"{prefix}-a", f"{prefix}-c"]
        for name in names:
            deployment_store.create_deployment(name, model)
        deployment_store.create_deployment(f"{prefix}-o", other)
        mine = [d.name for d in deployment_store.list_deployments(model)]
        assert mine == sorted(names)
        every = [d.name for d in deployment_store.list_deployments() if d.name.startswith(prefix)]
        assert every == sorted([*names, f"{prefix}-o"])
        assert deployment_store.list_deployments(unique_name("missing")) == []

    # -- update ---------------------------------------------------------------------------

    def test_set_challenger_and_mode(
        self,
        deployment_store: DeploymentStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Setting a challenger: state challenging, revision +1, one event naming the fields."""
        wait_next_millisecond()
        updated = deployment_store.update_deployment(
            deployment.name,
            challenger_version=2,
            mode="canary",
            canary_fraction=0.25,
            actor="bob",
        )
        assert updated.challenger_version == 2
        assert updated.mode is DeploymentMode.CANARY
        assert updated.canary_fraction == 0.25
        assert updated.state is DeploymentState.CHALLENGING
        assert updated.revision == 2
        assert updated.last_updated_timestamp > deployment.last_updated_timestamp
        assert updated.creation_timestamp == deployment.creation_timestamp
        assert deployment_store.get_deployment(deployment.name) == updated
        last = self.events(event_store, model)[-1]
        assert last.event_type is RegistryEventType.DEPLOYMENT_UPDATED
        assert last.actor == "bob"
        assert last.details == {
            "deployment": deployment.name,
            "challenger_version": "2",
            "mode": "canary",
            "canary_fraction": "0.25",
        }

    def test_mode_accepts_the_enum(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """``mode`` is the enum or its value."""
        deployment_store.update_deployment(deployment.name, challenger_version=3)
        shadow = deployment_store.update_deployment(deployment.name, mode=DeploymentMode.SHADOW)
        assert shadow.mode is DeploymentMode.SHADOW
        assert shadow.challenger_version == 3

    def test_noop_update_keeps_revision_and_appends_nothing(
        self,
        deployment_store: DeploymentStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """A call that changes nothing appends no event and keeps revision and time."""
        before = len(self.events(event_store, model))
        same = deployment_store.update_deployment(
            deployment.name, mode="single", canary_fraction=0.1, description=None
        )
        assert same == deployment
        assert deployment_store.update_deployment(deployment.name) == deployment
        assert len(self.events(event_store, model)) == before

    def test_clear_challenger_resets_mode(
        self,
        deployment_store: DeploymentStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Clearing the challenger: mode single, state stable; the event says so."""
        deployment_store.update_deployment(deployment.name, challenger_version=2, mode="shadow")
        cleared = deployment_store.update_deployment(deployment.name, challenger_version=None)
        assert cleared.challenger_version is None
        assert cleared.mode is DeploymentMode.SINGLE
        assert cleared.state is DeploymentState.STABLE
        assert cleared.revision == 3
        assert self.events(event_store, model)[-1].details == {
            "deployment": deployment.name,
            "challenger_version": "",
            "mode": "single",
        }

    def test_update_description(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """The description is set, then cleared by None."""
        described = deployment_store.update_deployment(deployment.name, description="v2 test")
        assert described.description == "v2 test"
        cleared = deployment_store.update_deployment(deployment.name, description=None)
        assert cleared.description is None
        assert cleared.revision == 3

    def test_update_missing_raises(self, deployment_store: DeploymentStore) -> None:
        """Updating an unknown deployment is DeploymentNotFoundError."""
        name = unique_name("missing")
        with pytest.raises(DeploymentNotFoundError, match=re.escape(name)):
            deployment_store.update_deployment(name, canary_fraction=0.5)

    def test_unknown_challenger_version_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """The challenger must be a version of the model."""
        with pytest.raises(ModelVersionNotFoundError, match=r"no version 9") as caught:
            deployment_store.update_deployment(deployment.name, challenger_version=9)
        assert caught.value.field == "challenger_version"

    def test_challenger_must_be_ready(
        self,
        deployment_store: DeploymentStore,
        model_version_store: ModelVersionStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """A version that is not READY cannot be the challenger."""
        model_version_store.set_model_version_status(
            model, 3, ModelVersionStatus.FAILED_REGISTRATION
        )
        with pytest.raises(InvalidParameterError, match=r"not READY") as caught:
            deployment_store.update_deployment(deployment.name, challenger_version=3)
        assert caught.value.field == "challenger_version"

    def test_challenger_must_not_be_the_champion(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """The version the champion alias points at cannot also be the challenger."""
        with pytest.raises(InvalidParameterError, match=r"champion") as caught:
            deployment_store.update_deployment(deployment.name, challenger_version=1)
        assert caught.value.field == "challenger_version"
        assert deployment_store.get_deployment(deployment.name).revision == 1

    @pytest.mark.parametrize("bad", BAD_CHALLENGERS, ids=repr)
    def test_invalid_challenger_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment, bad: object
    ) -> None:
        """A challenger version that is not a positive 32-bit integer is refused."""
        with pytest.raises(InvalidParameterError, match=r"challenger_version") as caught:
            deployment_store.update_deployment(deployment.name, challenger_version=bad)  # type: ignore[arg-type]
        assert caught.value.field == "challenger_version"

    @pytest.mark.parametrize("bad", BAD_FRACTIONS, ids=repr)
    def test_invalid_fraction_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment, bad: object
    ) -> None:
        """The canary fraction is a finite number in [0, 1]."""
        with pytest.raises(InvalidParameterError, match=r"canary_fraction") as caught:
            deployment_store.update_deployment(deployment.name, canary_fraction=bad)  # type: ignore[arg-type]
        assert caught.value.field == "canary_fraction"

    def test_fraction_bounds_are_allowed(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """0 and 1 are valid fractions."""
        assert deployment_store.update_deployment(deployment.name, canary_fraction=0).revision == 2
        assert (
            deployment_store.update_deployment(deployment.name, canary_fraction=1.0).revision == 3
        )

    @pytest.mark.parametrize("bad", ["blue-green", "", "SINGLE"])
    def test_unknown_mode_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment, bad: str
    ) -> None:
        """The mode is one of single, shadow, canary."""
        with pytest.raises(InvalidParameterError, match=r"unknown deployment mode") as caught:
            deployment_store.update_deployment(deployment.name, mode=bad)
        assert caught.value.field == "mode"

    @pytest.mark.parametrize("mode", ["shadow", "canary"])
    def test_mode_needs_a_challenger(
        self, deployment_store: DeploymentStore, deployment: Deployment, mode: str
    ) -> None:
        """Shadow and canary need a challenger, also when the same call clears it."""
        with pytest.raises(InvalidParameterError, match=r"needs a challenger") as caught:
            deployment_store.update_deployment(deployment.name, mode=mode)
        assert caught.value.field == "mode"
        deployment_store.update_deployment(deployment.name, challenger_version=2)
        with pytest.raises(InvalidParameterError, match=r"needs a challenger"):
            deployment_store.update_deployment(deployment.name, challenger_version=None, mode=mode)
        assert deployment_store.get_deployment(deployment.name).challenger_version == 2

    # -- promote / rollback -----------------------------------------------------------------

    def test_promote_moves_the_alias(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Promotion moves the champion alias, remembers the old champion, clears the rest."""
        deployment_store.update_deployment(deployment.name, challenger_version=2, mode="canary")
        promoted = deployment_store.promote_deployment(deployment.name, actor="carol")
        assert promoted.challenger_version is None
        assert promoted.mode is DeploymentMode.SINGLE
        assert promoted.state is DeploymentState.PROMOTED
        assert promoted.previous_champion_version == 1
        assert promoted.revision == 3
        assert registry_store.get_model_version_by_alias(model, "champion").version == 2
        alias_event, promote_event = self.events(event_store, model)[-2:]
        assert alias_event.event_type is RegistryEventType.ALIAS_SET
        assert (alias_event.alias, alias_event.from_version, alias_event.to_version) == (
            "champion",
            1,
            2,
        )
        assert alias_event.actor == "carol"
        assert promote_event.event_type is RegistryEventType.DEPLOYMENT_PROMOTED
        assert promote_event.details == {"deployment": deployment.name}
        assert (promote_event.from_version, promote_event.to_version) == (1, 2)

    def test_promote_without_challenger_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """Nothing to promote is a conflict."""
        with pytest.raises(ConflictError, match=r"no challenger"):
            deployment_store.promote_deployment(deployment.name)

    def test_rollback_drops_the_challenger(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """With a challenger, rollback clears it and leaves the alias alone."""
        deployment_store.update_deployment(deployment.name, challenger_version=3, mode="shadow")
        rolled = deployment_store.rollback_deployment(deployment.name)
        assert rolled.challenger_version is None
        assert rolled.mode is DeploymentMode.SINGLE
        assert rolled.state is DeploymentState.ROLLED_BACK
        assert registry_store.get_model_version_by_alias(model, "champion").version == 1
        last = self.events(event_store, model)[-1]
        assert last.event_type is RegistryEventType.DEPLOYMENT_ROLLED_BACK
        assert last.details == {"deployment": deployment.name, "dropped_challenger": "3"}

    def test_rollback_undoes_a_promotion(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Without a challenger, rollback moves the alias back to the previous champion once."""
        deployment_store.update_deployment(deployment.name, challenger_version=2)
        deployment_store.promote_deployment(deployment.name)
        rolled = deployment_store.rollback_deployment(deployment.name)
        assert rolled.state is DeploymentState.ROLLED_BACK
        assert rolled.previous_champion_version is None
        assert rolled.revision == 4
        assert registry_store.get_model_version_by_alias(model, "champion").version == 1
        alias_event, rollback_event = self.events(event_store, model)[-2:]
        assert alias_event.event_type is RegistryEventType.ALIAS_SET
        assert (alias_event.from_version, alias_event.to_version) == (2, 1)
        assert rollback_event.event_type is RegistryEventType.DEPLOYMENT_ROLLED_BACK
        with pytest.raises(ConflictError, match=r"nothing to roll back"):
            deployment_store.rollback_deployment(deployment.name)

    def test_rollback_with_nothing_raises(
        self, deployment_store: DeploymentStore, deployment: Deployment
    ) -> None:
        """A fresh deployment has nothing to roll back."""
        with pytest.raises(ConflictError, match=r"nothing to roll back"):
            deployment_store.rollback_deployment(deployment.name)
        assert deployment_store.get_deployment(deployment.name).revision == 1

    @pytest.mark.parametrize("action", ["promote", "rollback", "delete"])
    def test_actions_on_missing_raise(self, deployment_store: DeploymentStore, action: str) -> None:
        """Promote, rollback and delete of an unknown deployment are DeploymentNotFoundError."""
        name = unique_name("missing")
        with pytest.raises(DeploymentNotFoundError, match=re.escape(name)):
            getattr(deployment_store, f"{action}_deployment")(name)

    # -- delete, rename, model deletion -------------------------------------------------------

    def test_delete(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Deleting a deployment keeps the model and its alias; one event."""
        deployment_store.delete_deployment(deployment.name, actor="dan")
        with pytest.raises(DeploymentNotFoundError, match=re.escape(deployment.name)):
            deployment_store.get_deployment(deployment.name)
        assert registry_store.get_registered_model(model).aliases == {"champion": 1}
        last = self.events(event_store, model)[-1]
        assert last.event_type is RegistryEventType.DEPLOYMENT_DELETED
        assert (last.actor, last.details) == ("dan", {"deployment": deployment.name})
        with pytest.raises(DeploymentNotFoundError, match=re.escape(deployment.name)):
            deployment_store.delete_deployment(deployment.name)

    def test_model_with_deployments_cannot_be_deleted(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Deleting a deployed model is a conflict naming the deployment."""
        with pytest.raises(ConflictError, match=re.escape(deployment.name)):
            registry_store.delete_registered_model(model)
        assert registry_store.get_registered_model(model).name == model
        deployment_store.delete_deployment(deployment.name)
        registry_store.delete_registered_model(model)
        with pytest.raises(RegisteredModelNotFoundError, match=re.escape(model)):
            registry_store.get_registered_model(model)

    def test_rename_of_the_model_keeps_the_deployment(
        self,
        deployment_store: DeploymentStore,
        registry_store: RegistryStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """The deployment follows a renamed model and keeps working."""
        new_name = unique_name("renamed")
        registry_store.rename_registered_model(model, new_name)
        moved = deployment_store.get_deployment(deployment.name)
        assert moved.model_name == new_name
        assert [d.name for d in deployment_store.list_deployments(new_name)] == [deployment.name]
        assert deployment_store.list_deployments(model) == []
        deployment_store.update_deployment(deployment.name, challenger_version=2)
        promoted = deployment_store.promote_deployment(deployment.name)
        assert promoted.model_name == new_name
        assert registry_store.get_model_version_by_alias(new_name, "champion").version == 2
        last = self.events(event_store, new_name)[-1]
        assert (last.event_type, last.model_name) == (
            RegistryEventType.DEPLOYMENT_PROMOTED,
            new_name,
        )

    # -- concurrency ------------------------------------------------------------------------

    def test_concurrent_updates_lose_no_revision(
        self,
        deployment_store: DeploymentStore,
        event_store: EventStore,
        deployment: Deployment,
        model: str,
    ) -> None:
        """Eight threads each change the fraction once: eight revisions, eight events."""
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def change(index: int) -> None:
            try:
                barrier.wait(timeout=30)
                deployment_store.update_deployment(
                    deployment.name, canary_fraction=(index + 0.5) / 10
                )
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=change, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        final = deployment_store.get_deployment(deployment.name)
        assert final.revision == 9
        updates = [
            e
            for e in self.events(event_store, model)
            if e.event_type is RegistryEventType.DEPLOYMENT_UPDATED
        ]
        assert len(updates) == 8
        assert updates[-1].details["canary_fraction"] == str(final.canary_fraction)
