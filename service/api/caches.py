"""Small per-process caches of the API: built thread listings, and thread ids by URI.

The ETag of a listing already says whether anything shown changed (one aggregate
query), so a page of a thread is built and serialised once per change of the thread rather
than once per reader: a popular article costs the version query per request. Thread ids
never change, so a post or a read needs no lookup of its thread after the first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from typing import Generic
from typing import TypeVar

from flask import current_app

V = TypeVar("V")


class Lru(Generic[V]):
    """A small thread-safe LRU map (gthread workers share it); size 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


def app_cache(name: str, size: int) -> Lru[Any]:
    """This app's cache called `name` (one per app, so tests building many apps never share)."""
    cache: Lru[Any] | None = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, Lru(size))
    return cache


def listing_cache() -> Lru[str]:
    """Built listings as JSON text, by ETag."""
    return app_cache("listing_cache", int(current_app.config["LISTING_CACHE_SIZE"]))
