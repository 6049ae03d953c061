"""Admin pages: the audit log, privacy export/erasure (lists, users and models come later)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, cli_group=None)  # `flask privacy ...`, not `flask admin ...`

from . import export  # noqa: E402,F401  (the JSON export download)
from . import policy_cli  # noqa: E402,F401  (flask admin mode / lists-add / policy)
from . import policy_views  # noqa: E402,F401  (mode and lists)
from . import privacy  # noqa: E402,F401  (privacy export and erasure)
from . import views  # noqa: E402,F401
