"""Readers report published comments; enough distinct readers send one back for review."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from ..db import Comment
from ..db import CommentStatus
from ..db import Report
from ..db import ReportReason
from ..db import db
from ..errors import ApiError
from ..identity import client_ip
from ..identity import hash_ip
from ..notifications import status_changed
from . import bp
from .comments import read_json_body
from .validation import ID_MAX

log = logging.getLogger(__name__)

REPORTED = "reported by readers"


@bp.post(f"/comments/<int(max={ID_MAX}):comment_id>/reports")
def report_comment(comment_id: int) -> tuple[Response, int]:
    """One report per reader; at REPORT_THRESHOLD readers the comment is held again."""
    payload = read_json_body()
    reasons = [reason.value for reason in ReportReason]
    if (
        not isinstance(payload, dict)
        or payload.get("reason") not in reasons
        or set(payload) - {"reason"}
    ):
        raise ApiError(422, "Some fields are invalid.",
                       fields={"reason": f"One of {', '.join(reasons)}."})  # fmt: skip
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted or comment.status is not CommentStatus.PUBLISHED:
        raise ApiError(404, "No such published comment.")
    ip_hash = hash_ip(client_ip(request))
    try:
        with db.session.begin_nested():
            db.session.add(Report(comment_id=comment_id, ip_hash=ip_hash,
                                  reason=ReportReason(payload["reason"])))  # fmt: skip
    except sa.exc.IntegrityError:
        pass  # this reader already reported it: counted once
    readers = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Report.ip_hash))).where(Report.comment_id == comment_id)
    )
    if (readers or 0) >= int(current_app.config["REPORT_THRESHOLD"]):
        held = db.session.execute(
            sa.update(Comment)
            .where(Comment.id == comment_id, Comment.status == CommentStatus.PUBLISHED)
            .values(status=CommentStatus.HELD, reasons=[*comment.reasons, REPORTED])
        )
        if held.rowcount:  # type: ignore[attr-defined]
            log.info("comment %s held after reports from %s readers", comment_id, readers)
            db.session.commit()
            status_changed(comment_id, CommentStatus.HELD)
    db.session.commit()
    return jsonify(reported=True), 202
