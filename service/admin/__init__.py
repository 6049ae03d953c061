"""Admin pages: the audit log of moderation decisions (lists, users and models come later)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import policy_cli  # noqa: E402,F401  (flask admin mode / lists-add / policy)
from . import policy_views  # noqa: E402,F401  (mode and lists)
from . import views  # noqa: E402,F401  (registers the routes on bp)
