"""Export or erase one commenter's data: an admin page and `flask privacy export|delete EMAIL`.

The address travels in POST bodies, never in URLs, so it stays out of access logs.
"""

from __future__ import annotations

import json

import click
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.cli import AppGroup
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth import role_required
from ..db import Role
from ..privacy import erase_data
from ..privacy import export_data
from . import bp

privacy = AppGroup("privacy", help="Export or erase a commenter's data (GDPR).")
bp.cli.add_command(privacy)


@bp.get("/privacy")
@role_required(Role.ADMIN)
def privacy_page() -> str:
    return render_template("admin/privacy.html")


def posted_email() -> str | None:
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > 254:
        flash("Enter the commenter's email address.", "error")
        return None
    return email


@bp.post("/privacy/export")
@role_required(Role.ADMIN)
def privacy_export() -> Response:
    email = posted_email()
    if email is None:
        return redirect(url_for("admin.privacy_page"))
    body = json.dumps(export_data(email), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="comment-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/privacy/erase")
@role_required(Role.ADMIN)
def privacy_erase() -> Response:
    email = posted_email()
    if email is not None and request.form.get("confirm") != "yes":
        flash("Tick the box to confirm the erasure.", "error")
    elif email is not None:
        erasure = erase_data(email, actor=current_user.email)
        flash(f"Erased {erasure.comments} comment(s); audit record #{erasure.id}.", "info")
    return redirect(url_for("admin.privacy_page"))


@privacy.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything stored about EMAIL as JSON."""
    click.echo(json.dumps(export_data(email), indent=2, ensure_ascii=False))


@privacy.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def delete_command(email: str, yes: bool) -> None:
    """Erase EMAIL's comments (blanked in place), their decisions and reports."""
    if not yes:
        click.confirm(f"Erase every comment left with {email}?", abort=True)
    erasure = erase_data(email, actor="cli")
    click.echo(f"erased {erasure.comments} comment(s); audit record #{erasure.id}")
