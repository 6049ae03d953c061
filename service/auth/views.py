"""Login and logout pages; login is rate limited and never says whether an email exists."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from ..db import StaffUser
from ..db import db
from . import bp

#: Compared against when the email is unknown, so both paths take the same time.
_DUMMY = StaffUser(email="", role="moderator")
_DUMMY.set_password("not a real password")


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute or scheme-relative URL (open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("moderation.queue")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        user = db.session.scalar(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email) == email)
        )
        valid = (user or _DUMMY).check_password(password)
        if user is not None and valid and user.active:
            login_user(user, remember=False)
            current_app.logger.info("staff user %s signed in", user.id)
            return redirect(safe_next(request.args.get("next")))
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html"), 401  # type: ignore[return-value]
    return render_template("auth/login.html")


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
