"""The WSGI entry point for gunicorn: `gunicorn service.wsgi:app`."""

from . import configure_logging
from . import create_app

app = create_app()
configure_logging(app.config["LOG_LEVEL"])
