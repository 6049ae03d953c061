"""`flask admin mode MODE`, `flask admin lists-add KIND FILE` and `flask admin policy`.

For scripting and for lists too long to paste: a file of 100,000 lines imports in one go.
"""

from __future__ import annotations

from typing import TextIO

import click
from flask.cli import AppGroup

from ..db import ListKind
from ..db import ModerationMode
from ..db import db
from ..policy import LIST_LABELS
from ..policy import MODE_LABELS
from ..policy import add_entries
from ..policy import counts
from ..policy import current_mode
from ..policy import set_mode
from . import bp

CLI_USER = "cli"

admin_cli = AppGroup("admin", help="Moderation mode and lists.")
bp.cli.add_command(admin_cli)


@admin_cli.command("mode")
@click.argument("mode", type=click.Choice([m.value for m in ModerationMode]))
def mode_command(mode: str) -> None:
    """Set the moderation mode."""
    set_mode(ModerationMode(mode), CLI_USER)
    db.session.commit()
    click.echo(f"Mode set: {MODE_LABELS[ModerationMode(mode)]}")


@admin_cli.command("lists-add")
@click.argument("kind", type=click.Choice([k.value for k in ListKind]))
@click.argument("source", type=click.File("r", encoding="utf-8"))
def lists_add_command(kind: str, source: TextIO) -> None:
    """Add one entry per line of SOURCE (a file, or - for standard input) to a list."""
    result = add_entries(ListKind(kind), source.read().splitlines(), CLI_USER)
    db.session.commit()
    click.echo(f"Added {result.added}; {result.duplicates} already listed; "
               f"{len(result.errors)} skipped")  # fmt: skip
    for error in result.errors[:20]:
        click.echo(f"  skipped: {error}", err=True)


@admin_cli.command("policy")
def policy_command() -> None:
    """Show the mode and how many entries each list has."""
    click.echo(f"mode: {current_mode().value}")
    for kind, number in counts().items():
        click.echo(f"{kind.value}\t{number}\t{LIST_LABELS[kind]}")
