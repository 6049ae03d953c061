"""The Flask app: public API, demo article page, and (later) staff pages."""

from __future__ import annotations

import logging.config
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from .abuse import limiter_init_app
from .config import load_config
from .db import db
from .errors import register_error_handlers
from .logs import logging_config
from .logs import logs_init_app
from .metrics import metrics_init_app
from .queue import celery_init_app
from .security import security_init_app
from .transfer import transfer_init_app

migrate = Migrate()
csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides everything else (tests only)."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"), render_as_batch=True
    )
    celery_init_app(app)
    register_error_handlers(app)

    from . import admin
    from . import api
    from . import auth
    from . import moderation
    from . import pages
    from . import subscriptions

    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(api.docs.bp, url_prefix="/api")
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(moderation.bp, url_prefix="/moderation")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(subscriptions.bp, url_prefix="/notifications")
    auth.auth_init_app(app)
    csrf.init_app(app)
    csrf.exempt(api.bp)  # JSON only, no cookies: CSRF cannot ride on it
    limiter_init_app(app)
    security_init_app(app)

    transfer_init_app(app)

    logs_init_app(app)
    metrics_init_app(app)
    return app


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stdout, once per process (entry points call this, never the factory)."""
    logging.config.dictConfig(logging_config(level))
