"""Built thread listings, kept per process and looked up by ETag.

The ETag of a listing already says whether anything shown changed (one aggregate
query), so a page of a thread is built and serialised once per change of the thread rather
than once per reader: a popular article costs the version query per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app

_EXTENSION = "listing_cache"


class ListingCache:
    """A small thread-safe LRU of listings as JSON text (gthread workers share it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str) -> str | None:
        with self._lock:
            listing = self._items.get(etag)
            if listing is not None:
                self._items.move_to_end(etag)
            return listing

    def put(self, etag: str, listing: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[etag] = listing
            self._items.move_to_end(etag)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def listing_cache() -> ListingCache:
    """This app's cache (one per app, so tests building many apps never share one)."""
    cache: ListingCache | None = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(
            _EXTENSION, ListingCache(int(current_app.config["LISTING_CACHE_SIZE"]))
        )
    return cache
