"""Contract suite for :class:`~driftloop.store.base.ExperimentStore`.

Bind it by subclassing in a test module that provides the ``experiment_store`` and
``run_store`` fixtures (both views of one backend)::

    class TestMyExperimentStore(ExperimentStoreContract):
        pass

Every test creates its own uniquely named experiments and searches only among them, so the
suite can share one database between tests (and between xdist workers).
"""

# ruff: noqa: S101

from __future__ import annotations

import re

import pytest

from driftloop.entities import Experiment, LifecycleStage, ViewType
from driftloop.errors import (
    AlreadyExistsError,
    ExperimentNotFoundError,
    InvalidFilterError,
    InvalidPageTokenError,
    InvalidParameterError,
    NotFoundError,
)
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.testing.helpers import (
    FORGED_PAGE_TOKEN,
    T0,
    collect_pages,
    unique_name,
    wait_next_millisecond,
)

MISSING_EXPERIMENT_ID = "987654321012"


def _names(experiments: list[Experiment]) -> list[str]:
    return [experiment.name for experiment in experiments]


def _search_names(
    store: ExperimentStore,
    prefix: str,
    *,
    view_type: ViewType = ViewType.ACTIVE_ONLY,
    extra_filter: str = "",
    order_by: list[str] | None = None,
) -> list[str]:
    """Names of the experiments whose name starts with ``prefix``, in search order."""
    filter_string = f"attributes.name LIKE '{prefix}%'" + (
        f" AND {extra_filter}" if extra_filter else ""
    )
    page = store.search_experiments(
        view_type=view_type, filter_string=filter_string, order_by=order_by
    )
    assert page.next_page_token is None
    return _names(list(page.items))


class ExperimentStoreContract:
    """Behaviour every :class:`ExperimentStore` backend must show (MLflow semantics)."""

    # -- create / get -------------------------------------------------------------------

    def test_create_returns_string_id_and_get_returns_it(
        self, experiment_store: ExperimentStore
    ) -> None:
        """A new experiment has a string id, is active and carries sane timestamps."""
        name = unique_name("exp")
        experiment_id = experiment_store.create_experiment(name)
        assert isinstance(experiment_id, str)
        assert experiment_id
        experiment = experiment_store.get_experiment(experiment_id)
        assert experiment.experiment_id == experiment_id
        assert experiment.name == name
        assert experiment.lifecycle_stage == LifecycleStage.ACTIVE
        assert experiment.tags == {}
        assert experiment.creation_time > T0
        assert experiment.last_update_time >= experiment.creation_time

    def test_ids_are_distinct(self, experiment_store: ExperimentStore) -> None:
        """Two experiments never share an id."""
        first = experiment_store.create_experiment(unique_name("exp"))
        second = experiment_store.create_experiment(unique_name("exp"))
        assert first != second

    def test_default_experiment_exists(self, experiment_store: ExperimentStore) -> None:
        """A fresh store holds the active experiment ``Default`` with id ``0``."""
        default = experiment_store.get_experiment("0")
        assert default.name == "Default"
        by_name = experiment_store.get_experiment_by_name("Default")
        assert by_name is not None
        assert by_name.experiment_id == "0"

    def test_get_experiment_by_name(self, experiment_store: ExperimentStore) -> None:
        """Lookup by exact name finds the experiment; other names give None."""
        name = unique_name("exp")
        experiment_id = experiment_store.create_experiment(name)
        found = experiment_store.get_experiment_by_name(name)
        assert found is not None
        assert found.experiment_id == experiment_id
        assert experiment_store.get_experiment_by_name(unique_name("missing")) is None
        assert experiment_store.get_experiment_by_name(name.upper()) is None

    @pytest.mark.parametrize("experiment_id", [MISSING_EXPERIMENT_ID, "not-a-number"])
    def test_get_missing_experiment_raises(
        self, experiment_store: ExperimentStore, experiment_id: str
    ) -> None:
        """An unknown id (numeric or not) is ExperimentNotFoundError, never a driver error."""
        with pytest.raises(ExperimentNotFoundError, match=re.escape(experiment_id)):
            experiment_store.get_experiment(experiment_id)

    def test_duplicate_name_raises(self, experiment_store: ExperimentStore) -> None:
        """Names are unique."""
        name = unique_name("exp")
        experiment_store.create_experiment(name)
        with pytest.raises(AlreadyExistsError, match=re.escape(name)):
            experiment_store.create_experiment(name)

    def test_name_of_deleted_experiment_is_still_taken(
        self, experiment_store: ExperimentStore
    ) -> None:
        """A soft-deleted experiment keeps its name reserved (it can be restored)."""
        name = unique_name("exp")
        experiment_id = experiment_store.create_experiment(name)
        experiment_store.delete_experiment(experiment_id)
        with pytest.raises(AlreadyExistsError, match=re.escape(name)):
            experiment_store.create_experiment(name)

    @pytest.mark.parametrize("bad_name", ["", "x" * 501], ids=["empty", "501-chars"])
    def test_invalid_name_raises(self, experiment_store: ExperimentStore, bad_name: str) -> None:
        """Empty names and names over 500 characters are rejected."""
        with pytest.raises(InvalidParameterError, match=r"(?i)name"):
            experiment_store.create_experiment(bad_name)

    def test_name_of_500_chars_is_accepted(self, experiment_store: ExperimentStore) -> None:
        """500 characters is the documented maximum and must fit."""
        name = unique_name("exp").ljust(500, "n")
        experiment_id = experiment_store.create_experiment(name)
        assert experiment_store.get_experiment(experiment_id).name == name

    # -- artifact location --------------------------------------------------------------

    def test_default_artifact_location_is_distinct(self, experiment_store: ExperimentStore) -> None:
        """Without an explicit location each experiment gets its own non-empty one."""
        first = experiment_store.create_experiment(unique_name("exp"))
        second = experiment_store.create_experiment(unique_name("exp"))
        first_location = experiment_store.get_experiment(first).artifact_location
        second_location = experiment_store.get_experiment(second).artifact_location
        assert first_location
        assert second_location
        assert first_location != second_location

    def test_explicit_artifact_location_is_kept(self, experiment_store: ExperimentStore) -> None:
        """An explicit location is stored verbatim."""
        location = f"s3://bucket/{unique_name('loc')}/artifacts"
        experiment_id = experiment_store.create_experiment(
            unique_name("exp"), artifact_location=location
        )
        assert experiment_store.get_experiment(experiment_id).artifact_location == location

    # -- tags ---------------------------------------------------------------------------

    def test_tags_at_creation(self, experiment_store: ExperimentStore) -> None:
        """Tags passed to create are returned by get and get_by_name."""
        name = unique_name("exp")
        tags = {"team": "fraud", "mlflow.note.content": "notes", "empty": ""}
        experiment_id = experiment_store.create_experiment(name, tags=tags)
        assert experiment_store.get_experiment(experiment_id).tags == tags
        by_name = experiment_store.get_experiment_by_name(name)
        assert by_name is not None
        assert by_name.tags == tags

    def test_set_overwrite_and_delete_experiment_tag(
        self, experiment_store: ExperimentStore
    ) -> None:
        """set_experiment_tag adds or overwrites; delete removes only that key."""
        experiment_id = experiment_store.create_experiment(unique_name("exp"), tags={"a": "1"})
        experiment_store.set_experiment_tag(experiment_id, "b", "2")
        experiment_store.set_experiment_tag(experiment_id, "a", "changed")
        assert experiment_store.get_experiment(experiment_id).tags == {"a": "changed", "b": "2"}
        experiment_store.delete_experiment_tag(experiment_id, "a")
        assert experiment_store.get_experiment(experiment_id).tags == {"b": "2"}

    def test_delete_missing_experiment_tag_raises(self, experiment_store: ExperimentStore) -> None:
        """Deleting a tag that is not set is NotFoundError naming the key."""
        experiment_id = experiment_store.create_experiment(unique_name("exp"))
        with pytest.raises(NotFoundError, match="no-such-tag"):
            experiment_store.delete_experiment_tag(experiment_id, "no-such-tag")

    def test_set_tag_on_missing_experiment_raises(self, experiment_store: ExperimentStore) -> None:
        """Tagging an unknown experiment is ExperimentNotFoundError."""
        with pytest.raises(ExperimentNotFoundError, match=MISSING_EXPERIMENT_ID):
            experiment_store.set_experiment_tag(MISSING_EXPERIMENT_ID, "k", "v")

    # -- rename -------------------------------------------------------------------------

    def test_rename(self, experiment_store: ExperimentStore) -> None:
        """Rename moves the name and bumps last_update_time."""
        old_name, new_name = unique_name("exp"), unique_name("exp")
        experiment_id = experiment_store.create_experiment(old_name)
        created = experiment_store.get_experiment(experiment_id)
        before_rename = wait_next_millisecond()
        experiment_store.rename_experiment(experiment_id, new_name)
        renamed = experiment_store.get_experiment(experiment_id)
        assert renamed.name == new_name
        assert renamed.creation_time == created.creation_time
        assert renamed.last_update_time >= before_rename > created.last_update_time
        assert experiment_store.get_experiment_by_name(old_name) is None
        by_new_name = experiment_store.get_experiment_by_name(new_name)
        assert by_new_name is not None
        assert by_new_name.experiment_id == experiment_id

    def test_rename_to_taken_name_raises(self, experiment_store: ExperimentStore) -> None:
        """Renaming onto another experiment's name is AlreadyExistsError; nothing changes."""
        taken, mine = unique_name("exp"), unique_name("exp")
        experiment_store.create_experiment(taken)
        experiment_id = experiment_store.create_experiment(mine)
        with pytest.raises(AlreadyExistsError, match=re.escape(taken)):
            experiment_store.rename_experiment(experiment_id, taken)
        assert experiment_store.get_experiment(experiment_id).name == mine

    def test_rename_to_empty_name_raises(self, experiment_store: ExperimentStore) -> None:
        """The new name is validated like a created one."""
        experiment_id = experiment_store.create_experiment(unique_name("exp"))
        with pytest.raises(InvalidParameterError, match=r"(?i)name"):
            experiment_store.rename_experiment(experiment_id, "")

    def test_rename_missing_experiment_raises(self, experiment_store: ExperimentStore) -> None:
        """Renaming an unknown experiment is ExperimentNotFoundError."""
        with pytest.raises(ExperimentNotFoundError, match=MISSING_EXPERIMENT_ID):
            experiment_store.rename_experiment(MISSING_EXPERIMENT_ID, unique_name("exp"))

    # -- delete / restore ---------------------------------------------------------------

    def test_delete_and_restore(self, experiment_store: ExperimentStore) -> None:
        """Soft delete flips lifecycle_stage; the experiment stays readable and restorable."""
        name = unique_name("exp")
        experiment_id = experiment_store.create_experiment(name)
        experiment_store.delete_experiment(experiment_id)
        deleted = experiment_store.get_experiment(experiment_id)
        assert deleted.lifecycle_stage == LifecycleStage.DELETED
        by_name = experiment_store.get_experiment_by_name(name)
        assert by_name is not None
        assert by_name.lifecycle_stage == LifecycleStage.DELETED
        experiment_store.restore_experiment(experiment_id)
        assert experiment_store.get_experiment(experiment_id).lifecycle_stage == (
            LifecycleStage.ACTIVE
        )

    def test_delete_missing_experiment_raises(self, experiment_store: ExperimentStore) -> None:
        """Deleting an unknown experiment is ExperimentNotFoundError."""
        with pytest.raises(ExperimentNotFoundError, match=MISSING_EXPERIMENT_ID):
            experiment_store.delete_experiment(MISSING_EXPERIMENT_ID)

    def test_delete_and_restore_cascade_to_runs(
        self, experiment_store: ExperimentStore, run_store: RunStore
    ) -> None:
        """Deleting deletes the runs; restoring brings back only the runs deleted with it."""
        experiment_id = experiment_store.create_experiment(unique_name("exp"))
        kept = run_store.create_run(experiment_id, start_time=T0).run_id
        deleted_before = run_store.create_run(experiment_id, start_time=T0 + 1).run_id
        run_store.delete_run(deleted_before)
        experiment_store.delete_experiment(experiment_id)
        assert run_store.get_run(kept).info.lifecycle_stage == LifecycleStage.DELETED
        experiment_store.restore_experiment(experiment_id)
        assert run_store.get_run(kept).info.lifecycle_stage == LifecycleStage.ACTIVE
        assert run_store.get_run(deleted_before).info.lifecycle_stage == LifecycleStage.DELETED

    # -- search -------------------------------------------------------------------------

    def test_search_view_types(self, experiment_store: ExperimentStore) -> None:
        """ACTIVE_ONLY, DELETED_ONLY and ALL select by lifecycle stage."""
        prefix = unique_name("view")
        active, deleted = f"{prefix}-active", f"{prefix}-deleted"
        experiment_store.create_experiment(active)
        experiment_store.delete_experiment(experiment_store.create_experiment(deleted))
        assert _search_names(experiment_store, prefix) == [active]
        assert _search_names(experiment_store, prefix, view_type=ViewType.DELETED_ONLY) == [deleted]
        both = _search_names(experiment_store, prefix, view_type=ViewType.ALL)
        assert sorted(both) == [active, deleted]

    def test_search_filter_on_name(self, experiment_store: ExperimentStore) -> None:
        """Name filters support =, LIKE (case-sensitive) and ILIKE (case-insensitive)."""
        prefix = unique_name("name")
        names = [f"{prefix}-alpha", f"{prefix}-beta", f"{prefix}-Alpine"]
        for name in names:
            experiment_store.create_experiment(name)

        def search(filter_string: str) -> set[str]:
            page = experiment_store.search_experiments(filter_string=filter_string)
            return set(_names(list(page.items)))

        assert search(f"name = '{prefix}-beta'") == {f"{prefix}-beta"}
        assert search(f"attributes.name = '{prefix}-beta'") == {f"{prefix}-beta"}
        assert search(f"name LIKE '{prefix}-al%'") == {f"{prefix}-alpha"}
        assert search(f"name ILIKE '{prefix.upper()}-AL%'") == {
            f"{prefix}-alpha",
            f"{prefix}-Alpine",
        }
        assert search(f"name != '{prefix}-beta' AND name LIKE '{prefix}%'") == {
            f"{prefix}-alpha",
            f"{prefix}-Alpine",
        }

    def test_search_filter_on_tags(self, experiment_store: ExperimentStore) -> None:
        """Tag filters match by value, including backtick-quoted dotted keys."""
        prefix = unique_name("tags")
        experiment_store.create_experiment(
            f"{prefix}-a", tags={"team": "fraud", "owner.email": "a@x.io"}
        )
        experiment_store.create_experiment(f"{prefix}-b", tags={"team": "churn"})
        experiment_store.create_experiment(f"{prefix}-c")
        assert _search_names(experiment_store, prefix, extra_filter="tags.team = 'fraud'") == [
            f"{prefix}-a"
        ]
        assert _search_names(
            experiment_store, prefix, extra_filter="tags.`owner.email` LIKE '%@x.io'"
        ) == [f"{prefix}-a"]
        assert sorted(
            _search_names(experiment_store, prefix, extra_filter="tags.team ILIKE '%U%'")
        ) == [f"{prefix}-a", f"{prefix}-b"]

    def test_search_filter_on_creation_time(self, experiment_store: ExperimentStore) -> None:
        """creation_time compares as an integer with =, <, >=."""
        prefix = unique_name("ctime")
        first = experiment_store.get_experiment(
            experiment_store.create_experiment(f"{prefix}-first")
        )
        wait_next_millisecond()
        second = experiment_store.get_experiment(
            experiment_store.create_experiment(f"{prefix}-second")
        )
        assert second.creation_time > first.creation_time
        cut = second.creation_time
        assert _search_names(
            experiment_store, prefix, extra_filter=f"attributes.creation_time >= {cut}"
        ) == [second.name]
        assert _search_names(
            experiment_store, prefix, extra_filter=f"attributes.creation_time < {cut}"
        ) == [first.name]
        assert _search_names(
            experiment_store,
            prefix,
            extra_filter=f"attributes.creation_time = {first.creation_time}",
        ) == [first.name]

    def test_search_order_by_name(self, experiment_store: ExperimentStore) -> None:
        """order_by name ASC and DESC sort by name."""
        prefix = unique_name("order")
        names = [f"{prefix}-b", f"{prefix}-c", f"{prefix}-a"]
        for name in names:
            experiment_store.create_experiment(name)
        ascending = _search_names(experiment_store, prefix, order_by=["name ASC"])
        assert ascending == sorted(names)
        descending = _search_names(experiment_store, prefix, order_by=["attributes.name DESC"])
        assert descending == sorted(names, reverse=True)

    def test_search_default_order_is_newest_first(self, experiment_store: ExperimentStore) -> None:
        """Without order_by, the newest experiment comes first."""
        prefix = unique_name("newest")
        names = [f"{prefix}-{index}" for index in range(3)]
        for name in names:
            experiment_store.create_experiment(name)
            wait_next_millisecond()
        assert _search_names(experiment_store, prefix) == list(reversed(names))

    def test_search_pagination_visits_each_experiment_once(
        self, experiment_store: ExperimentStore
    ) -> None:
        """Paging with max_results=2 over 5 experiments yields 2, 2, 1 and then stops."""
        prefix = unique_name("pages")
        names = [f"{prefix}-{index}" for index in range(5)]
        for name in names:
            experiment_store.create_experiment(name)
        filter_string = f"name LIKE '{prefix}%'"
        pages = collect_pages(
            lambda token: experiment_store.search_experiments(
                max_results=2,
                filter_string=filter_string,
                order_by=["name ASC"],
                page_token=token,
            )
        )
        assert [len(page) for page in pages] == [2, 2, 1]
        assert [experiment.name for page in pages for experiment in page] == names

    def test_search_bad_page_token_raises(self, experiment_store: ExperimentStore) -> None:
        """A token the store did not issue is InvalidPageTokenError."""
        with pytest.raises(InvalidPageTokenError, match=r"(?i)token"):
            experiment_store.search_experiments(page_token=FORGED_PAGE_TOKEN)

    @pytest.mark.parametrize(
        ("filter_string", "quoted"),
        [
            ("name = ", "name"),
            ("name = 'a' OR name = 'b'", "OR"),
            ("metrics.rmse > 1", "metrics"),
        ],
    )
    def test_search_malformed_filter_raises(
        self, experiment_store: ExperimentStore, filter_string: str, quoted: str
    ) -> None:
        """Unparsable filters are InvalidFilterError quoting the bad part."""
        with pytest.raises(InvalidFilterError, match=rf"(?i){re.escape(quoted)}"):
            experiment_store.search_experiments(filter_string=filter_string)
