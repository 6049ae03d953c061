"""Worker hooks: a model ready before the first comment, JSON logs with task and comment
ids, and the metrics exporter (worker/metrics.py) for the worker's lifetime."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from celery import current_app
from celery.signals import setup_logging
from celery.signals import task_postrun
from celery.signals import task_prerun
from celery.signals import worker_init
from celery.signals import worker_process_shutdown
from celery.signals import worker_shutdown

from models.lifecycle import ensure_model
from models.persistence import ModelUnavailable
from service import configure_logging
from service import logs
from service.queue import CLASSIFY_TASK

from . import metrics
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


@setup_logging.connect
def use_json_logs(loglevel: Any = None, **_: Any) -> None:
    """Our JSON lines instead of Celery's own format (connecting here replaces Celery's setup).

    Like Celery, leave the root logger alone when `worker_hijack_root_logger` is off
    (the test suite's workers run inside pytest, which owns logging).
    """
    if not current_app.conf.worker_hijack_root_logger:
        return
    if isinstance(loglevel, int):
        loglevel = logging.getLevelName(loglevel)
    configure_logging(str(loglevel or "INFO"))


@task_prerun.connect
def bind_task_ids(task_id: str = "", task: Any = None, args: Any = (), **_: Any) -> None:
    comment_id = args[0] if task is not None and task.name == CLASSIFY_TASK and args else None
    logs.bind(task_id=task_id, comment_id=comment_id, request_id=None)


@task_postrun.connect
def unbind_task_ids(**_: Any) -> None:
    logs.clear()


@worker_init.connect
def start_metrics_exporter(sender: Any = None, **_: Any) -> None:
    """Export the worker's metrics on WORKER_METRICS_PORT, when it is set."""
    port = sender.app.flask_app.config.get("WORKER_METRICS_PORT")
    if port is not None:
        metrics.start_exporter(int(port))


@worker_shutdown.connect
def stop_metrics_exporter(**_: Any) -> None:
    metrics.stop_exporters()


@worker_process_shutdown.connect
def forget_pool_process(pid: int | None = None, **_: Any) -> None:
    if pid is not None:
        metrics.forget_process(pid)
