"""A page of search results with the token for the next page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Sequence[T], Generic[T]):
    """An immutable page of results; iterate it like a list.

    Attributes:
        items: The results on this page, in order.
        next_page_token: Pass it back to get the next page; None on the last page.
    """

    items: tuple[T, ...]
    next_page_token: str | None = None

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)
