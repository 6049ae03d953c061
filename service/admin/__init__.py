"""Admin pages: audit logs, the model lifecycle, policy and lists, privacy, export."""

from flask import Blueprint

# No CLI group of its own: the modules add theirs (`flask admin`, `flask model`, `flask privacy`).
bp = Blueprint("admin", __name__, cli_group=None)

from . import export  # noqa: E402,F401  (the JSON export download)
from . import model_cli  # noqa: E402,F401  (flask model versions / activate / retrain)
from . import models_views  # noqa: E402,F401  (the model lifecycle)
from . import policy_cli  # noqa: E402,F401  (flask admin mode / lists-add / policy)
from . import policy_views  # noqa: E402,F401  (mode and lists)
from . import privacy  # noqa: E402,F401  (privacy export and erasure)
from . import views  # noqa: E402,F401
