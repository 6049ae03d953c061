"""Worker start-up: have a model ready before the first comment arrives."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from celery.signals import worker_init

from models.lifecycle import ensure_model
from models.persistence import ModelUnavailable

from .model_cache import active_classifier

log = logging.getLogger(__name__)


@worker_init.connect
def prepare_model(sender: Any = None, **_: Any) -> None:
    """Train the first model if the store has none, and load it before the pool forks.

    Loading in the parent lets forked pool processes share the model instead of each
    loading it on its first task. Failing to load is not fatal: tasks fail closed.
    """
    store = Path(sender.app.flask_app.config["MODEL_STORE"])
    log.info("active model version %s", ensure_model(store))
    try:
        active_classifier(store)
    except ModelUnavailable as error:
        log.error("active model cannot be loaded; comments will be held: %s", error)
