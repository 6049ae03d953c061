"""`flask users create EMAIL --role admin` (prompts for the password) and `flask users list`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..db import Role
from ..db import StaffUser
from ..db import db

MIN_PASSWORD = 12


users = AppGroup("users", help="Manage staff accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value)
@click.password_option(help="asked for when not given")
def create(email: str, role: str, password: str) -> None:
    """Create a moderator or admin."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters", param_hint="password")
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)):
        raise click.ClickException(f"{email} already exists")
    user = StaffUser(email=email, role=Role(role))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {email}")


@users.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.email}\t{user.role.value}{state}")
