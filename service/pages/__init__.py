"""Server-rendered public pages: the demo article and health checks."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import views  # noqa: E402,F401  (registers the routes on bp)
