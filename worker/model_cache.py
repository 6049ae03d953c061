"""The active classifier, loaded once per worker process and reloaded when ACTIVE changes."""

from __future__ import annotations

import threading
from pathlib import Path

from models import Classifier
from models import persistence
from models.lifecycle import ensure_model

_lock = threading.Lock()
_cached: Classifier | None = None


def active_classifier(store: Path) -> Classifier:
    """The active version; reading the ACTIVE pointer per task is cheap, loading is not.

    :raise persistence.ModelUnavailable: the active version cannot be loaded.
    """
    global _cached
    version = persistence.active_version(store) or ensure_model(store)
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = persistence.load(store, version)
        return _cached
