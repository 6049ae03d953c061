"""`flask import wordpress|disqus|isso FILE [--dry-run]` and `flask export comments`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click
from flask.cli import AppGroup

from .disqus import read_disqus
from .export import export_comments
from .isso import read_isso
from .records import Source
from .records import UnreadableExport
from .wordpress import read_wordpress
from .writer import import_source

import_group = AppGroup("import", help="Import comments from another comment system.")
export_group = AppGroup("export", help="Export comments.")

READERS: dict[str, tuple[Callable[[Path], Source], str]] = {
    "wordpress": (read_wordpress, "a WordPress WXR export (Tools → Export)"),
    "disqus": (read_disqus, "a Disqus XML export"),
    "isso": (read_isso, "an Isso SQLite database (comments.db)"),
}


def make_import_command(name: str) -> click.Command:
    reader, what = READERS[name]

    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Print the summary; write nothing.")
    def command(file: Path, dry_run: bool) -> None:
        try:
            source = reader(file)
        except UnreadableExport as error:
            raise click.ClickException(f"{file}: {error}") from None
        summary = import_source(source, dry_run=dry_run)
        click.echo(f"{name} {file}" + (" (dry run: nothing written)" if dry_run else ""))
        for line in summary.lines():
            click.echo(f"  {line}")

    command.__doc__ = (
        f"Import {what}. Threads are matched by URI; published, pending and spam states "
        "are kept (pending comments go to the classifier); running it again adds nothing."
    )
    return import_group.command(name)(command)


for _name in READERS:
    make_import_command(_name)


@export_group.command("comments")
@click.option("--thread", "thread_uri", metavar="URI", help="Only this thread.")
@click.option("--include-private", is_flag=True, help="Include commenters' email addresses.")
@click.option("--output", "-o", type=click.File("w"), default="-", help="File (default stdout).")
def export_comments_command(thread_uri: str | None, include_private: bool, output: TextIO) -> None:
    """All comments with their threads and statuses, as JSON."""
    document = export_comments(thread_uri, include_private)
    if thread_uri is not None and not document["threads"]:
        raise click.ClickException(f"no thread {thread_uri}")
    json.dump(document, output, ensure_ascii=False, indent=2)
    output.write("\n")
