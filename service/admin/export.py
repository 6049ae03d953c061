"""Admins download every comment as JSON (no emails: those need the CLI's --include-private)."""

from __future__ import annotations

import json

from flask import Response
from flask import request

from ..auth import role_required
from ..db import Role
from ..db import utcnow
from ..transfer.export import export_comments
from . import bp


@bp.get("/export.json")
@role_required(Role.ADMIN)
def export_json() -> Response:
    document = export_comments(request.args.get("thread") or None)
    filename = f"comments-{utcnow():%Y%m%d-%H%M}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },  # fmt: skip
    )
