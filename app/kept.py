"""What a process keeps between requests: bounded, least recently used out first, shared by its threads, one
per application (an id read from one app's database means nothing in another's)."""

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import current_app

T = TypeVar("T")


class Kept:
    """A bounded LRU safe to share between threads: ``maxsize`` entries, or ``maxsize`` in all by ``getsizeof``
    (a value larger than the whole bound is not kept)."""

    def __init__(self, maxsize: int, getsizeof: Callable[[Any], int] | None = None):
        self._values: LRUCache = LRUCache(maxsize=maxsize, getsizeof=getsizeof)
        self._sized = getsizeof
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._values.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if self._sized is not None and self._sized(value) > self._values.maxsize:
            return
        with self._lock:
            self._values[key] = value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


def per_app(name: str, make: Callable[[], T]) -> T:
    """The current app's one ``make()``, kept in its extensions under ``name``."""
    kept = current_app.extensions.get(name)
    if kept is None:
        kept = current_app.extensions.setdefault(name, make())
    return kept
