"""Commenters' reply emails: the unsubscribe page their emails link to."""

from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from . import views  # noqa: E402,F401  (registers the routes on bp)
