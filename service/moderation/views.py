"""Queue pages (Held, Reported, Pending, Published, Rejected, All), decisions, bulk and undo."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape
from werkzeug.wrappers import Response

from ..auth import role_required
from ..db import Comment
from ..db import CommentStatus
from ..db import ModerationDecision
from ..db import Report
from ..db import Role
from ..db import Thread
from ..db import db
from . import bp
from .decisions import ACTIONS
from .decisions import AlreadyDecided
from .decisions import decide
from .decisions import undo
from .filters import SCAN_CAP
from .filters import TABS
from .filters import QueueFilters
from .filters import count_label
from .filters import queue_page
from .filters import tab_counts

QUOTED = re.compile(r"'([^']+)'")
BULK_ACTIONS = ("approve", "spam", "medical_claim", "other")
MAX_BULK = 200
MAX_POLLED = 200
#: The session key of the moderator's last action: its decision ids and what it did.
LAST_ACTION = "moderation_last_action"
DONE = {
    "approve": "approved",
    "spam": "rejected as spam",
    "medical_claim": "rejected as medical claim",
    "other": "rejected",
    "unpublish_spam": "unpublished as spam",
    "unpublish_medical_claim": "unpublished as medical claim",
    "unpublish_other": "unpublished",
}


def _tab(value: str | None) -> str:
    return value if value in TABS else "held"


def _cursor(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def queue_url(args: Mapping[str, str]) -> str:
    """The queue page these parameters describe (from a query string or a form's fields)."""
    params: dict[str, Any] = {"tab": _tab(args.get("tab")), **QueueFilters.parse(args).as_args()}
    for name in ("after", "before"):
        if _cursor(args, name) is not None:
            params[name] = _cursor(args, name)
    return url_for("moderation.queue", **params)


@bp.get("/")
@role_required(Role.MODERATOR)
def queue() -> str:
    tab = _tab(request.args.get("tab"))
    filters = QueueFilters.parse(request.args)
    after, before = _cursor(request.args, "after"), _cursor(request.args, "before")
    page, counts = queue_page(tab, filters, after, before)
    comments = page.comments
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    parents = (
        {c.id: c for c in db.session.scalars(sa.select(Comment).where(Comment.id.in_(parent_ids)))}
        if parent_ids
        else {}
    )
    return render_template(
        "moderation/queue.html",
        tab=tab,
        tabs=TABS,
        counts=counts,
        comments=comments,
        parents=parents,
        histories=author_histories(comments),
        reports=report_summaries(comments),
        filters=filters,
        filter_args=filters.as_args(),
        scan_cap=SCAN_CAP,
        threads=db.session.scalars(sa.select(Thread).order_by(Thread.title).limit(500)).all(),
        page=page,
        cursor={k: v for k, v in (("after", after), ("before", before)) if v is not None},
        last_action=last_action(),
    )


def remember(decision_ids: list[int], summary: str) -> None:
    """Keep the moderator's last action for undo (the session is theirs alone)."""
    if decision_ids:
        session[LAST_ACTION] = {"ids": decision_ids, "summary": summary, "by": current_user.email}


def last_action() -> dict[str, Any] | None:
    """This moderator's last action, if the session holds one of theirs (not a previous user's)."""
    last = session.get(LAST_ACTION)
    if isinstance(last, dict) and last.get("by") == current_user.email:
        return last
    return None


def already_text(already: AlreadyDecided) -> str:
    who = f" by {already.by}" if already.by else ""
    return f"{already.status.value}{who}"


@bp.post("/<int:comment_id>/decide")
@role_required(Role.MODERATOR)
def decide_comment(comment_id: int) -> Response:
    action = request.form.get("action", "")
    seen = request.form.get("seen", "")
    back = queue_url(request.form)
    if action not in ACTIONS or seen not in CommentStatus._value2member_map_:
        flash("Unknown action.", "error")
        return redirect(back)
    try:
        decision = decide(comment_id, action, CommentStatus(seen), current_user.email,
                          request.form.get("note", "").strip())  # fmt: skip
    except LookupError:
        flash(f"Comment {comment_id} does not exist.", "error")
    except AlreadyDecided as already:
        flash(f"Comment {comment_id} was already {already_text(already)}; nothing changed.",
              "error")  # fmt: skip
    else:
        remember([decision.id], f"comment {comment_id} {DONE[action]}")
        flash(f"Comment {comment_id}: {ACTIONS[action].to_status.value}.", "info")
    return redirect(back)


def parse_selection(values: list[str]) -> list[tuple[int, CommentStatus]] | None:
    """Checkbox values `ID:STATUS` (the status the moderator saw); None if any is malformed."""
    selected: list[tuple[int, CommentStatus]] = []
    for value in values[:MAX_BULK]:
        comment_id, _, seen = value.partition(":")
        if not comment_id.isdigit() or len(comment_id) > 12:
            return None
        if seen not in CommentStatus._value2member_map_:
            return None
        selected.append((int(comment_id), CommentStatus(seen)))
    return selected


@bp.post("/bulk")
@role_required(Role.MODERATOR)
def bulk_decide() -> Response:
    """Decide every selected comment through `decide`, each on its own, and sum it up."""
    action = request.form.get("action", "")
    back = queue_url(request.form)
    selected = parse_selection(request.form.getlist("selected"))
    if action not in BULK_ACTIONS or selected is None:
        flash("Unknown action.", "error")
        return redirect(back)
    if not selected:
        flash("Select comments first (x, or the checkboxes).", "error")
        return redirect(back)
    note = request.form.get("note", "").strip()
    done: list[int] = []
    already: Counter[str] = Counter()
    missing = 0
    for comment_id, seen in selected:
        try:
            done.append(decide(comment_id, action, seen, current_user.email, note).id)
        except LookupError:
            missing += 1
        except AlreadyDecided as error:
            already[f"already decided by {error.by}" if error.by else "not reviewable"] += 1
    parts = [f"{len(done)} {DONE[action]}"]
    parts += [f"{count} {what}" for what, count in sorted(already.items())]
    if missing:
        parts.append(f"{missing} not found")
    summary = ", ".join(parts)
    remember(done, f"{len(done)} {DONE[action]}")
    flash(summary[:1].upper() + summary[1:] + ".", "info" if done else "error")
    return redirect(back)


@bp.post("/undo")
@role_required(Role.MODERATOR)
def undo_last() -> Response:
    """Undo this moderator's last action (one comment or one bulk action), once."""
    back = queue_url(request.form)
    last = last_action()
    session.pop(LAST_ACTION, None)
    ids = last.get("ids") if last else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        flash("Nothing to undo.", "error")
        return redirect(back)
    outcome = undo(ids, current_user.email)
    restored = ", ".join(sorted({d.to_status.value for d in outcome.undone})) or "review"
    parts = [f"Undone: {len(outcome.undone)} back to {restored}"]
    parts += [
        f"comment {comment_id} left {already_text(error)}" for comment_id, error in outcome.skipped
    ]
    flash("; ".join(parts) + ".", "info" if outcome.undone else "error")
    return redirect(back)


@bp.get("/counts")
@role_required(Role.MODERATOR)
def live_counts() -> Response:
    """Tab counts for the current filters, and the status of the cards on screen (polled)."""
    filters = QueueFilters.parse(request.args)
    ids = [int(i) for i in request.args.get("ids", "").split(",")[:MAX_POLLED]
           if i.isdigit() and len(i) < 12]  # fmt: skip
    comments: dict[str, dict[str, str | None]] = {}
    if ids:
        for comment_id, status in db.session.execute(
            sa.select(Comment.id, Comment.status).where(Comment.id.in_(ids))
        ):
            comments[str(comment_id)] = {"status": status.value, "by": None}
        for comment_id, moderator in db.session.execute(
            sa.select(ModerationDecision.comment_id, ModerationDecision.moderator)
            .where(ModerationDecision.comment_id.in_(ids))
            .order_by(ModerationDecision.id)
        ):
            if str(comment_id) in comments:
                comments[str(comment_id)]["by"] = moderator
    response = jsonify(counts=tab_counts(filters), comments=comments)
    response.headers["Cache-Control"] = "no-store"
    return response


def report_summaries(comments: list[Comment]) -> dict[int, dict[str, int]]:
    """Per reported comment on the page: how many readers reported it, for which reasons."""
    summaries: dict[int, dict[str, int]] = {}
    if not comments:
        return summaries
    for comment_id, reason, count in db.session.execute(
        sa.select(Report.comment_id, Report.reason, sa.func.count(Report.id))
        .where(Report.comment_id.in_([c.id for c in comments]))
        .group_by(Report.comment_id, Report.reason)
    ):
        summaries.setdefault(comment_id, {})[reason.value] = count
    return summaries


def author_histories(comments: list[Comment]) -> dict[int, dict[str, int]]:
    """Per comment: other comments by the same email or address, approved and rejected.

    One grouped query for the whole page (per email, address and status), not one per card.
    """
    emails = {c.email for c in comments if c.email}
    addresses = {c.ip_hash for c in comments if c.ip_hash}
    groups: list[tuple[str | None, str | None, CommentStatus, int]] = []
    if emails or addresses:
        groups = [
            (email, ip_hash, status, count)
            for email, ip_hash, status, count in db.session.execute(
                sa.select(Comment.email, Comment.ip_hash, Comment.status, sa.func.count(Comment.id))
                .where(sa.or_(Comment.email.in_(emails), Comment.ip_hash.in_(addresses)))
                .group_by(Comment.email, Comment.ip_hash, Comment.status)
            )
        ]
    histories: dict[int, dict[str, int]] = {}
    for comment in comments:
        counts = {"published": 0, "rejected": 0}
        for email, ip_hash, status, count in groups:
            same = (comment.email and email == comment.email) or (
                comment.ip_hash and ip_hash == comment.ip_hash
            )
            if same and status.value in counts:
                counts[status.value] += count
        if comment.status.value in counts and (comment.email or comment.ip_hash):
            counts[comment.status.value] -= 1  # the comment itself is not its history
        histories[comment.id] = counts
    return histories


bp.add_app_template_filter(count_label, "count_label")


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
