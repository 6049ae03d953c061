"""Worker start-up: have a model ready before the first comment arrives."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from celery.signals import worker_init

from models.lifecycle import ensure_model

log = logging.getLogger(__name__)


@worker_init.connect
def train_first_model(sender: Any = None, **_: Any) -> None:
    """If the store holds no model yet, the first start trains one (under a file lock)."""
    store = Path(sender.app.flask_app.config["MODEL_STORE"])
    log.info("active model version %s", ensure_model(store))
