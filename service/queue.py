"""The Celery app bound to Flask, and how the web side enqueues work by task name.

The web process never imports `worker/`: it sends tasks by name, so it needs
neither scikit-learn nor the model in memory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from celery import Celery
from celery import Task
from flask import Flask
from flask import current_app

from .coalescing import claim_run
from .coalescing import release_run
from .coalescing import stop_trusting

log = logging.getLogger(__name__)

CLASSIFY_TASK = "worker.tasks.classify_comment"
#: How long a web request may wait on the broker before the sweeper takes over.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


class FlaskCelery(Celery):
    """A Celery app that knows its Flask app (worker signals need its config)."""

    flask_app: Flask


def celery_init_app(app: Flask) -> FlaskCelery:
    """Build the Celery app whose tasks run inside the Flask app context."""

    class FlaskTask(Task):  # type: ignore[type-arg]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = FlaskCelery(app.name, task_cls=FlaskTask)
    celery_app.flask_app = app
    celery_app.config_from_object(app.config["CELERY"])
    prepare_filesystem_broker(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue_classification(comment_id: int) -> bool:
    """Queue a committed comment for classification, unless a run queued or running will.

    A broker outage must not fail the request: the comment is already stored as
    `pending`, and the sweeper queues a run for it later. Returns whether it is covered.
    """
    if not claim_run():
        return True  # a run is queued or running: it drains this comment too
    sent = enqueue(CLASSIFY_TASK, comment_id)
    if not sent:
        stop_trusting()
        release_run()
    return sent


def enqueue(task_name: str, *args: Any) -> bool:
    """Send a worker task by name; log and return False when the broker cannot take it."""
    celery_app: Celery = current_app.extensions["celery"]
    try:
        celery_app.send_task(task_name, args=list(args), retry=True,
                             retry_policy=PUBLISH_RETRY_POLICY)  # fmt: skip
    except Exception as error:  # kombu raises many transport-specific errors
        log.warning("could not enqueue %s%s: %s", task_name, args, type(error).__name__)
        return False
    return True


def prepare_filesystem_broker(celery_config: dict[str, Any]) -> None:
    """kombu's embedded filesystem broker expects its folders to exist."""
    if not str(celery_config.get("broker_url", "")).startswith("filesystem://"):
        return
    options = celery_config.get("broker_transport_options", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
