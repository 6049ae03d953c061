"""Admin pages: the audit log of moderation decisions, and the model lifecycle."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("admin", __name__)


@bp.record_once
def _register_cli(state: BlueprintSetupState) -> None:
    from .model_cli import model

    state.app.cli.add_command(model)


from . import models_views  # noqa: E402,F401  (registers the routes on bp)
from . import views  # noqa: E402,F401
