"""The public JSON API used by the comment widget."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import comments  # noqa: E402,F401  (registers the routes on bp)
