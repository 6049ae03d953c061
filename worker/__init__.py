"""The Celery entry point: `celery -A worker worker` and `celery -A worker beat`.

The Flask app (and so the Celery app) is built on first use rather than at import,
so tests and tools can import `worker.tasks` without configuring a default app.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

_celery_app: Celery | None = None


def get_celery_app() -> Celery:
    global _celery_app
    if _celery_app is None:
        from service import configure_logging
        from service import create_app

        flask_app = create_app()
        configure_logging(flask_app.config["LOG_LEVEL"])
        from . import notify  # noqa: F401  (registers the notification tasks)
        from . import signals  # noqa: F401  (worker start-up hooks)
        from . import tasks  # noqa: F401  (registers the shared tasks)
        from . import training_tasks  # noqa: F401  (the `training` queue's tasks)

        _celery_app = flask_app.extensions["celery"]
    return _celery_app


def __getattr__(name: str) -> Any:
    # Celery's `-A worker` looks up `worker.celery`.
    if name == "celery":
        return get_celery_app()
    raise AttributeError(name)
