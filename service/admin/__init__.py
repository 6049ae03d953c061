"""Admin pages: the audit log of moderation decisions (lists, users and models come later)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import export  # noqa: E402,F401  (registers the routes on bp)
from . import views  # noqa: E402,F401
