"""A tiny name -> thing registry, used wherever behaviour varies by name."""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from workbench.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Things registered by name; an unknown name raises an error listing the known ones."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, thing: T | None = None):
        """Register ``thing`` under ``name``; without ``thing``, works as a decorator."""
        if thing is not None:
            self._items[name] = thing
            return thing

        def deco(obj: T) -> T:
            self._items[name] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, list(self._items)) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))


Factory = Callable[..., object]
