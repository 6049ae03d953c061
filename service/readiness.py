"""What `/readyz` checks: the database, the broker, and that an active model is on disk.

The web process must not import scikit-learn (nor `models/`, which does), so the model
check reads only the store's plain files, the same layout `models/persistence.py`
writes: an `ACTIVE` pointer naming a version folder that holds `metadata.json` (a JSON
object whose `id` is that version) and a non-empty `model.skops`. Whether the worker
can *load* it (library versions, trusted types) is the worker's business: if it
cannot, comments are held ("classifier unavailable"), never lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app

from . import model_store
from .db import db

#: File names of the model store (kept in step with models/persistence.py).
MODEL_FILE = "model.skops"
#: Seconds a probe may wait on the broker: orchestrators call /readyz often.
BROKER_TIMEOUT = 1.0


class NotReady(Exception):
    """One part is not ready; the message says why (no secrets, no URLs with passwords)."""


def check_database() -> None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        raise NotReady(type(error).__name__) from error


def check_broker() -> None:
    """Redis: a PING with a short timeout. Filesystem broker: its queue folder is writable."""
    celery_config: dict[str, Any] = current_app.config["CELERY"]
    url = str(celery_config.get("broker_url", ""))
    if url.startswith(("redis://", "rediss://", "unix://")):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
        )
        try:
            client.ping()
        except redis.RedisError as error:
            raise NotReady(type(error).__name__) from error
        finally:
            client.close()
    elif url.startswith("filesystem://"):
        folder = Path(celery_config.get("broker_transport_options", {}).get("data_folder_in", ""))
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise NotReady("queue folder missing or not writable")
    else:
        raise NotReady("unsupported broker for the readiness check")


def check_model() -> None:
    store = model_store.store_path()
    version = model_store.active_version(store) or ""
    if not version:
        raise NotReady("no active model (train one: python -m models train)")
    folder = store / version
    if not version or "/" in version or version.startswith(".") or not folder.is_dir():
        raise NotReady("the active pointer names no saved version")
    try:
        metadata = json.loads((folder / model_store.METADATA_FILE).read_text())
    except (OSError, ValueError) as error:
        raise NotReady("the active version's metadata is unreadable") from error
    if not isinstance(metadata, dict) or metadata.get("id") != version:
        raise NotReady("the active version's metadata does not match it")
    model = folder / MODEL_FILE
    if not model.is_file() or model.stat().st_size == 0:
        raise NotReady("the active version has no model file")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "model": check_model,
}


def readiness() -> dict[str, str]:
    """Each part's state: "ok" or the reason it is not ready."""
    states: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except NotReady as error:
            states[name] = str(error)
        else:
            states[name] = "ok"
    return states
