"""The page registry: each module under :mod:`driftloop.ui.pages` declares its own pages.

A page module defines ``PAGES``, a list of :class:`~driftloop.server.routing.Endpoint` built
with :func:`driftloop.ui.page.page` (each with its permission and resource, authorized by the
server's single wrapper like every API route), and optionally ``NAV``, a :class:`NavEntry`
shown in the top navigation. Adding ``pages/models.py`` is all it takes to add the Models
section: it is found here, mounted and linked, with no other file to edit.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

from driftloop.server.routing import Endpoint


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A link in the top navigation.

    Attributes:
        label: Text of the link.
        href: Where it goes (a UI path).
        order: Position; lower comes first (Experiments 10, Models 20, Deployments 30,
            Monitoring 40, Continuous training 50).
    """

    label: str
    href: str
    order: int


@dataclass(frozen=True, slots=True)
class PageModule:
    """What one page module declares."""

    name: str
    endpoints: tuple[Endpoint, ...]
    nav: NavEntry | None


def discover_pages(package: ModuleType | None = None) -> tuple[PageModule, ...]:
    """Import every module of the pages package and read its ``PAGES`` and ``NAV``.

    Raises:
        TypeError: A module's ``PAGES`` is missing or holds something that is not an
            ``Endpoint``, or its ``NAV`` is not a ``NavEntry`` (a programming error, caught
            when the server starts).
    """
    if package is None:
        from driftloop.ui import pages

        package = pages
    found: list[PageModule] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.append(_read_module(module))
    return tuple(found)


@functools.cache
def nav_entries() -> tuple[NavEntry, ...]:
    """The navigation links of every page module, in order."""
    entries = [module.nav for module in discover_pages() if module.nav is not None]
    return tuple(sorted(entries, key=lambda entry: (entry.order, entry.label)))


def _read_module(module: ModuleType) -> PageModule:
    endpoints = getattr(module, "PAGES", None)
    if not isinstance(endpoints, list | tuple) or not all(
        isinstance(e, Endpoint) for e in endpoints
    ):
        raise TypeError(f"{module.__name__}.PAGES must be a list of Endpoint")
    nav = getattr(module, "NAV", None)
    if nav is not None and not isinstance(nav, NavEntry):
        raise TypeError(f"{module.__name__}.NAV must be a NavEntry")
    return PageModule(name=module.__name__, endpoints=tuple(endpoints), nav=nav)
