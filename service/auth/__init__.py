"""Staff sign-in: Flask-Login sessions, roles, and the `flask users` commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from flask import Blueprint
from flask import Flask
from flask import abort
from flask_login import LoginManager
from flask_login import current_user
from flask_login import login_required

from ..db import Role
from ..db import StaffUser
from ..db import db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


def role_required(role: Role) -> Callable[[F], F]:
    """Signed in, and an admin when `role` is admin (moderators reach moderator pages)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required  # type: ignore[untyped-decorator]
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if role is Role.ADMIN and not current_user.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def auth_init_app(app: Flask) -> None:
    login_manager.init_app(app)
    from .cli import users

    app.cli.add_command(users)


from . import views  # noqa: E402,F401  (registers the routes on bp)
