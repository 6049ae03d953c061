"""The active classifier, loaded once per worker process and reloaded when ACTIVE changes."""

from __future__ import annotations

import threading
from pathlib import Path

from models import Classifier
from models import persistence
from models.lifecycle import ensure_model

_lock = threading.Lock()
_cache: dict[Path, Classifier] = {}


def active_classifier(store: Path) -> Classifier:
    """The store's active version; reading the ACTIVE pointer per task is cheap, loading is not.

    :raise persistence.ModelUnavailable: the active version cannot be loaded.
    """
    version = persistence.active_version(store) or ensure_model(store)
    cached = _cache.get(store)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _cache.get(store)
        if cached is None or cached.version != version:
            cached = _cache[store] = persistence.load(store, version)
        return cached
