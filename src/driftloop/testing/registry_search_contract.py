"""Contract suite for ``search_registered_models`` and ``search_model_versions``.

Needs the ``registry_store`` and ``model_version_store`` fixtures (one backend). Each test
creates models under a unique prefix and filters on it, so other tests' data never shows.
"""

# ruff: noqa: S101

from __future__ import annotations

import pytest

from driftloop.entities import ModelVersion, RegisteredModel
from driftloop.errors import InvalidFilterError, InvalidPageTokenError, InvalidParameterError
from driftloop.store.base import ModelVersionStore, RegistryStore
from driftloop.testing.helpers import (
    FORGED_PAGE_TOKEN,
    collect_pages,
    unique_name,
    wait_next_millisecond,
)

BAD_MODEL_FILTERS = {
    "unknown attribute": ("run_id = 'x'", "unknown attribute"),
    "unknown type": ("params.a = 'x'", "unknown type"),
    "numeric comparator": ("name > 'a'", "comparator > is not allowed"),
    "unquoted value": ("name = abc", "quoted string"),
    "or": ("name = 'a' OR name = 'b'", "OR is not supported"),
    "tag in": ("tags.a IN ('x')", "comparator IN is not allowed"),
    "dangling and": ("name = 'a' AND", "empty clause"),
    "unterminated": ("name = 'a", "unterminated"),
}
BAD_VERSION_FILTERS = {
    "string version": ("version_number = 'abc'", "integer version number"),
    "version like": ("version_number LIKE '1%'", "comparator LIKE is not allowed"),
    "unknown attribute": ("status = 'READY'", "unknown attribute"),
    "is null": ("run_id IS NULL", "comparator IS NULL is not allowed"),
}


def _names(items: list[RegisteredModel]) -> list[str]:
    return [item.name for item in items]


def _versions(items: list[ModelVersion]) -> list[tuple[str, int]]:
    return [(item.name, item.version) for item in items]


def _models(registry_store: RegistryStore, prefix: str) -> list[str]:
    """Create ``<prefix>-a``, ``<prefix>-B``, ``<prefix>-c`` one millisecond apart."""
    names = [f"{prefix}-a", f"{prefix}-B", f"{prefix}-c"]
    tags = [{"team": "risk", "tier": "1"}, {"team": "growth"}, {"team": "risk-ops"}]
    for name, tag in zip(names, tags, strict=True):
        registry_store.create_registered_model(name, tags=tag)
        wait_next_millisecond()
    return names


class RegistrySearchContract:
    """Registry search: every filter, order, pagination and error (MLflow semantics)."""

    # -- registered models -----------------------------------------------------------------

    @pytest.mark.parametrize(
        ("clause", "expected"),
        [
            ("name = '{p}-a'", ["a"]),
            ("name != '{p}-a'", ["B", "c"]),
            ("name LIKE '{p}-%'", ["B", "a", "c"]),
            ("name LIKE '{p}-b'", []),
            ("name ILIKE '{p}-b'", ["B"]),
            ("name IN ('{p}-a', '{p}-c', 'elsewhere')", ["a", "c"]),
            ("name NOT IN ('{p}-a')", ["B", "c"]),
            ("tags.team = 'risk'", ["a"]),
            ("tags.team != 'risk'", ["B", "c"]),
            ("tags.team LIKE 'risk%'", ["a", "c"]),
            ("tags.team ILIKE 'RISK%'", ["a", "c"]),
            ("tags.tier = '1' AND tags.team = 'risk'", ["a"]),
            ("tags.tier != '2'", ["a"]),
            ("tags.`team` = 'growth'", ["B"]),
            ("attributes.name = '{p}-c'", ["c"]),
        ],
    )
    def test_model_filters(
        self, registry_store: RegistryStore, clause: str, expected: list[str]
    ) -> None:
        """Each filter form selects exactly the expected models (default order name ASC)."""
        prefix = unique_name("srm")
        _models(registry_store, prefix)
        filter_string = f"name LIKE '{prefix}-%' AND " + clause.format(p=prefix)
        page = registry_store.search_registered_models(filter_string)
        assert _names(list(page)) == [f"{prefix}-{suffix}" for suffix in expected]
        assert page.next_page_token is None

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            (None, ["B", "a", "c"]),
            (["name ASC"], ["B", "a", "c"]),
            (["name DESC"], ["c", "a", "B"]),
            (["creation_timestamp"], ["a", "B", "c"]),
            (["creation_timestamp DESC"], ["c", "B", "a"]),
            (["last_updated_timestamp DESC"], ["a", "c", "B"]),
            (["attribute.last_updated_timestamp ASC"], ["B", "c", "a"]),
        ],
    )
    def test_model_order(
        self, registry_store: RegistryStore, order_by: list[str] | None, expected: list[str]
    ) -> None:
        """Models sort by name (default, byte order) and by either timestamp."""
        prefix = unique_name("srm")
        _models(registry_store, prefix)
        registry_store.update_registered_model(f"{prefix}-c", "touched")
        wait_next_millisecond()
        registry_store.update_registered_model(f"{prefix}-a", "touched")
        page = registry_store.search_registered_models(f"name LIKE '{prefix}-%'", order_by=order_by)
        assert _names(list(page)) == [f"{prefix}-{suffix}" for suffix in expected]

    def test_model_pagination(self, registry_store: RegistryStore) -> None:
        """Pages of two cover every model once, in order."""
        prefix = unique_name("srm")
        names = sorted(f"{prefix}-{i}" for i in range(5))
        for name in names:
            registry_store.create_registered_model(name)
        pages = collect_pages(
            lambda token: registry_store.search_registered_models(
                f"name LIKE '{prefix}-%'", max_results=2, page_token=token
            )
        )
        assert [len(page) for page in pages] == [2, 2, 1]
        assert [name for page in pages for name in _names(page)] == names

    @pytest.mark.parametrize(
        ("filter_string", "message"), BAD_MODEL_FILTERS.values(), ids=BAD_MODEL_FILTERS.keys()
    )
    def test_invalid_model_filter_raises(
        self, registry_store: RegistryStore, filter_string: str, message: str
    ) -> None:
        """Bad filters raise InvalidFilterError saying what is wrong."""
        with pytest.raises(InvalidFilterError, match=message):
            registry_store.search_registered_models(filter_string)

    def test_invalid_model_search_arguments_raise(self, registry_store: RegistryStore) -> None:
        """Bad order_by items, page tokens and page sizes raise typed errors."""
        with pytest.raises(InvalidFilterError, match=r"cannot sort"):
            registry_store.search_registered_models(order_by=["version_number"])
        with pytest.raises(InvalidFilterError, match=r"already in order_by"):
            registry_store.search_registered_models(order_by=["name", "name DESC"])
        with pytest.raises(InvalidFilterError, match=r"unexpected"):
            registry_store.search_registered_models(order_by=["name UP"])
        with pytest.raises(InvalidPageTokenError, match=r"page token"):
            registry_store.search_registered_models(page_token=FORGED_PAGE_TOKEN)
        for bad in (0, 1001):
            with pytest.raises(InvalidParameterError, match=r"max_results"):
                registry_store.search_registered_models(max_results=bad)

    # -- model versions --------------------------------------------------------------------

    def _versions_fixture(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> tuple[str, str, str]:
        """Model ``<p>-x`` with versions 1..4 and ``<p>-y`` with 1..2; return (p, x, y)."""
        prefix = unique_name("smv")
        first, second = f"{prefix}-x", f"{prefix}-y"
        runs = ["r1", "r2", "r1", None]
        for name, count in ((first, 4), (second, 2)):
            registry_store.create_registered_model(name)
            for i in range(count):
                model_version_store.create_model_version(
                    name,
                    f"s3://b/{name}/{i + 1}",
                    run_id=runs[i],
                    tags={"parity": "even" if (i + 1) % 2 == 0 else "odd"},
                )
                wait_next_millisecond()
        return prefix, first, second

    @pytest.mark.parametrize(
        ("clause", "expected"),
        [
            ("name = '{x}'", [("x", 4), ("x", 3), ("x", 2), ("x", 1)]),
            ("name != '{x}'", [("y", 2), ("y", 1)]),
            ("name ILIKE '{P}-Y'", [("y", 2), ("y", 1)]),
            ("name IN ('{y}')", [("y", 2), ("y", 1)]),
            ("run_id = 'r1'", [("x", 3), ("x", 1), ("y", 1)]),
            ("run_id IN ('r2', 'r9')", [("x", 2), ("y", 2)]),
            ("run_id != 'r1'", [("x", 2), ("y", 2)]),
            ("source_path = 's3://b/{y}/2'", [("y", 2)]),
            ("source_path LIKE '%/1'", [("x", 1), ("y", 1)]),
            ("version_number = 3", [("x", 3)]),
            ("version_number != 1", [("x", 4), ("x", 3), ("x", 2), ("y", 2)]),
            ("version_number > 2", [("x", 4), ("x", 3)]),
            ("version_number >= 2 AND name = '{y}'", [("y", 2)]),
            ("version_number < 2", [("x", 1), ("y", 1)]),
            ("version_number <= '1'", [("x", 1), ("y", 1)]),
            ("tags.parity = 'even'", [("x", 4), ("x", 2), ("y", 2)]),
            ("tags.parity LIKE 'o%' AND version_number > 1", [("x", 3)]),
        ],
    )
    def test_version_filters(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        clause: str,
        expected: list[tuple[str, int]],
    ) -> None:
        """Each filter form selects exactly the expected versions (name ASC, version DESC)."""
        prefix, first, second = self._versions_fixture(registry_store, model_version_store)
        condition = clause.format(x=first, y=second, P=prefix.upper())
        page = model_version_store.search_model_versions(f"name LIKE '{prefix}-%' AND {condition}")
        names = {"x": first, "y": second}
        assert _versions(list(page)) == [(names[n], v) for n, v in expected]

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            (["version_number ASC"], [("x", 1), ("y", 1), ("x", 2), ("y", 2), ("x", 3)]),
            (["name DESC"], [("y", 2), ("y", 1), ("x", 3), ("x", 2), ("x", 1)]),
            (["name", "version_number"], [("x", 1), ("x", 2), ("x", 3), ("y", 1), ("y", 2)]),
            (["creation_timestamp DESC"], [("y", 2), ("y", 1), ("x", 3), ("x", 2), ("x", 1)]),
            (["last_updated_timestamp"], [("x", 1), ("x", 2), ("y", 1), ("y", 2), ("x", 3)]),
        ],
    )
    def test_version_order(
        self,
        registry_store: RegistryStore,
        model_version_store: ModelVersionStore,
        order_by: list[str],
        expected: list[tuple[str, int]],
    ) -> None:
        """Versions sort by each attribute; ties fall back to name ASC, version DESC."""
        prefix, first, second = self._versions_fixture(registry_store, model_version_store)
        model_version_store.delete_model_version(first, 4)
        model_version_store.update_model_version(first, 3, "touched last")
        page = model_version_store.search_model_versions(
            f"name LIKE '{prefix}-%'", order_by=order_by
        )
        names = {"x": first, "y": second}
        assert _versions(list(page)) == [(names[n], v) for n, v in expected]

    def test_version_pagination(
        self, registry_store: RegistryStore, model_version_store: ModelVersionStore
    ) -> None:
        """Pages of four cover all six versions once, in the default order."""
        prefix, first, second = self._versions_fixture(registry_store, model_version_store)
        pages = collect_pages(
            lambda token: model_version_store.search_model_versions(
                f"name LIKE '{prefix}-%'", max_results=4, page_token=token
            )
        )
        assert [len(page) for page in pages] == [4, 2]
        expected = [(first, v) for v in (4, 3, 2, 1)] + [(second, v) for v in (2, 1)]
        assert [item for page in pages for item in _versions(page)] == expected

    @pytest.mark.parametrize(
        ("filter_string", "message"), BAD_VERSION_FILTERS.values(), ids=BAD_VERSION_FILTERS.keys()
    )
    def test_invalid_version_filter_raises(
        self, model_version_store: ModelVersionStore, filter_string: str, message: str
    ) -> None:
        """Bad filters raise InvalidFilterError saying what is wrong."""
        with pytest.raises(InvalidFilterError, match=message):
            model_version_store.search_model_versions(filter_string)

    def test_invalid_version_search_arguments_raise(
        self, model_version_store: ModelVersionStore
    ) -> None:
        """Bad order_by items, page tokens and page sizes raise typed errors."""
        with pytest.raises(InvalidFilterError, match=r"cannot sort"):
            model_version_store.search_model_versions(order_by=["tags.a"])
        with pytest.raises(InvalidPageTokenError, match=r"page token"):
            model_version_store.search_model_versions(page_token=FORGED_PAGE_TOKEN)
        with pytest.raises(InvalidParameterError, match=r"max_results"):
            model_version_store.search_model_versions(max_results=200_001)
