"""Queue pages (Held, Pending, Published, Rejected, All) and the decide action."""

from __future__ import annotations

import math
import re
from typing import Any

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape
from werkzeug.wrappers import Response

from ..auth import role_required
from ..db import Comment
from ..db import CommentStatus
from ..db import Role
from ..db import db
from . import bp
from .decisions import ACTIONS
from .decisions import AlreadyDecided
from .decisions import decide

TABS = ("held", "pending", "published", "rejected", "all")
PER_PAGE = 25
QUOTED = re.compile(r"'([^']+)'")


@bp.get("/")
@role_required(Role.MODERATOR)
def queue() -> str:
    tab = request.args.get("tab", "held")
    if tab not in TABS:
        tab = "held"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    counts = dict.fromkeys(TABS, 0)
    for status, count in db.session.execute(
        sa.select(Comment.status, sa.func.count(Comment.id)).group_by(Comment.status)
    ):
        counts[status.value] = count
    counts["all"] = sum(counts[t] for t in TABS if t != "all")
    query = sa.select(Comment)
    if tab != "all":
        query = query.where(Comment.status == CommentStatus(tab))
    # Held comments oldest first (first come, first served); the rest newest first.
    query = query.order_by(Comment.id.asc() if tab == "held" else Comment.id.desc())
    comments = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    parents = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Comment).where(Comment.id.in_({c.parent_id for c in comments if c.parent_id}))
        )
    }
    return render_template(
        "moderation/queue.html",
        tab=tab,
        tabs=TABS,
        counts=counts,
        comments=comments,
        parents=parents,
        histories=author_histories(comments),
        page=page,
        pages=max(1, math.ceil(counts[tab] / PER_PAGE)),
    )


@bp.post("/<int:comment_id>/decide")
@role_required(Role.MODERATOR)
def decide_comment(comment_id: int) -> Response:
    action = request.form.get("action", "")
    seen = request.form.get("seen", "")
    back = url_for("moderation.queue", tab=request.form.get("tab", "held"),
                   page=request.form.get("page", 1, type=int))  # fmt: skip
    if action not in ACTIONS or seen not in CommentStatus._value2member_map_:
        flash("Unknown action.", "error")
        return redirect(back)
    try:
        decide(comment_id, action, CommentStatus(seen), current_user.email,
               request.form.get("note", "").strip())  # fmt: skip
    except LookupError:
        flash(f"Comment {comment_id} does not exist.", "error")
    except AlreadyDecided as already:
        who = f" by {already.by}" if already.by else ""
        flash(f"Comment {comment_id} was already {already.status.value}{who}; nothing changed.",
              "error")  # fmt: skip
    else:
        flash(f"Comment {comment_id}: {ACTIONS[action].to_status.value}.", "info")
    return redirect(back)


def author_histories(comments: list[Comment]) -> dict[int, dict[str, int]]:
    """Per comment: earlier comments by the same email or address, approved and rejected."""
    histories: dict[int, dict[str, int]] = {}
    for comment in comments:
        same = [Comment.ip_hash == comment.ip_hash] if comment.ip_hash else []
        if comment.email:
            same.append(Comment.email == comment.email)
        counts = {"published": 0, "rejected": 0}
        if same:
            for status, count in db.session.execute(
                sa.select(Comment.status, sa.func.count(Comment.id))
                .where(sa.or_(*same), Comment.id != comment.id)
                .group_by(Comment.status)
            ):
                if status.value in counts:
                    counts[status.value] = count
        histories[comment.id] = counts
    return histories


@bp.app_template_filter("highlight")
def highlight(text: str, reasons: list[str]) -> Markup:
    """Escape the comment, then mark the words the classifier quoted in its reasons."""
    words = sorted({w for reason in reasons for w in QUOTED.findall(reason)}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts: list[Any] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
