"""Moving comments in (WordPress, Disqus, Isso) and out (JSON): CLI commands and the export."""

from __future__ import annotations

from flask import Flask


def transfer_init_app(app: Flask) -> None:
    from .cli import export_group
    from .cli import import_group

    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
