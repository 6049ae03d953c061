"""Posting comments, listing a thread's published comments, and an author's own status."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for

from ..abuse import bot_reason
from ..abuse import duplicate_of
from ..abuse import insert_unless_duplicate
from ..db import Comment
from ..db import CommentStatus
from ..db import Executor
from ..db import Thread
from ..db import autocommit_connection
from ..db import db
from ..db import utcnow
from ..errors import ApiError
from ..identity import client_ip
from ..identity import form_token
from ..identity import hash_ip
from ..identity import status_token
from ..identity import token_matches
from ..logs import bind as bind_log_ids
from ..metrics import record_posted
from ..notifications import subscribe_replies
from ..queue import enqueue_classification
from ..rendering import render_comment
from . import bp
from .caches import listing_cache
from .threads import existing_thread_id
from .threads import forget_thread
from .threads import known_thread_id
from .threads import thread_id_for
from .validation import ID_MAX
from .validation import NewComment
from .validation import parse_body
from .validation import parse_new_comment

log = logging.getLogger(__name__)

PER_PAGE_DEFAULT = 50
COUNTS_MAX = 50
PER_PAGE_MAX = 100
SORTS = {"oldest": sa.asc, "newest": sa.desc}
USER_AGENT_MAX = 300


@bp.post("/comments")
def post_comment() -> tuple[Response, int, dict[str, str]]:
    """Store a comment as `pending`, commit, then queue it for the classifier.

    Rate limited per address and per thread (see `abuse.limiter_init_app`).
    """
    payload = read_json_body()
    new = parse_new_comment(payload)
    ip_hash = hash_ip(client_ip(request))
    bot = bot_reason(new.honeypot, new.form_token)
    try:
        comment_id = store_comment(new, ip_hash, bot)
    except sa.exc.IntegrityError:  # a remembered thread id whose row is gone: look it up again
        db.session.rollback()
        forget_thread(new.thread)
        comment_id = store_comment(new, ip_hash, bot)
    bind_log_ids(comment_id=comment_id)
    record_posted(bot)
    if bot:
        log.info("comment %s rejected at the door: %s", comment_id, bot)
    else:
        log.info("comment %s stored as pending", comment_id)
        enqueue_classification(comment_id)
    token = status_token(comment_id)
    location = url_for("api.get_own_comment", comment_id=comment_id, token=token)
    # A bot's answer is the same as a person's: it must not learn what gave it away.
    body = jsonify(id=comment_id, status=CommentStatus.PENDING.value, token=token)
    return body, 202, {"Location": location}


def store_comment(new: NewComment, ip_hash: str, bot: str | None) -> int:
    """Insert the comment (pending, or rejected at the door for a bot) and commit; its id.

    Usually the comment is the only row to write (an article this process knows, no
    reply email asked for): then it is one autocommitted INSERT, which also checks for
    a duplicate, a single round trip instead of BEGIN, INSERT and COMMIT. A thread to
    create or title, or a reply subscription, is written in one transaction with it.
    """
    thread_id = known_thread_id(new.thread, new.title)
    if thread_id is not None and not (new.notify_replies and new.email):
        with autocommit_connection() as connection:
            return insert_new_comment(connection, new, thread_id, ip_hash, bot)
    try:
        thread_id = thread_id_for(new.thread, new.title, new.url)
        comment_id = insert_new_comment(db.session(), new, thread_id, ip_hash, bot)
    except ApiError:
        db.session.rollback()
        raise
    subscribe_replies(comment_id, new.email, new.notify_replies)
    db.session.commit()
    return comment_id


def insert_new_comment(
    executor: Executor, new: NewComment, thread_id: int, ip_hash: str, bot: str | None
) -> int:
    """INSERT the comment into a known thread; its id. 409 for a repeat of a person's own."""
    check_parent(executor, new, thread_id)
    values = {
        "thread_id": thread_id,
        "parent_id": new.parent_id,
        "author": new.author,
        "email": new.email,
        "website": new.website,
        "body": new.body,
        "body_html": render_comment(new.body),
        "created_at": utcnow(),
        "status": CommentStatus.REJECTED if bot else CommentStatus.PENDING,
        "reasons": [bot] if bot else [],
        "decided_at": utcnow() if bot else None,
        "ip_hash": ip_hash,
        "user_agent": request.user_agent.string[:USER_AGENT_MAX] or None,
        "deleted": False,
    }
    # A bot's repeat is stored (rejected) like its first try: it must not learn of the check.
    if bot is not None:
        return insert_comment(executor, values)
    comment_id = insert_unless_duplicate(executor, values)
    if comment_id is None:
        earlier = duplicate_of(executor, thread_id, ip_hash, new.body)
        raise ApiError(
            409,
            "You already posted this comment.",
            code="duplicate",
            fields={"body": f"Same text as comment {earlier}."},
        )
    return comment_id


def insert_comment(executor: Executor, values: dict[str, Any]) -> int:
    table = Comment.__table__
    return int(executor.execute(sa.insert(table).values(values).returning(table.c.id)).scalar_one())


@bp.get(f"/comments/<int(max={ID_MAX}):comment_id>")
def get_own_comment(comment_id: int) -> Response:
    """The author's view of their own comment, whatever its status."""
    return jsonify(own_view(own_comment(comment_id)))


@bp.patch(f"/comments/<int(max={ID_MAX}):comment_id>")
def edit_comment(comment_id: int) -> Response:
    """The author rewrites their comment within the edit window; it is classified again."""
    comment = editable(own_comment(comment_id))
    payload = read_json_body()
    if not isinstance(payload, dict) or set(payload) - {"body"}:
        raise ApiError(422, "Some fields are invalid.", fields={"body": "Send only 'body'."})
    body = parse_body(payload.get("body"))
    comment.body = body
    comment.body_html = render_comment(body)
    comment.edited_at = utcnow()
    comment.status = CommentStatus.PENDING
    comment.reasons = []
    comment.spam_score = comment.medical_claim_score = None
    comment.model_version = None
    comment.decided_at = None
    db.session.commit()
    log.info("comment %s edited by its author; pending again", comment.id)
    enqueue_classification(comment.id)
    return jsonify(own_view(comment))


@bp.delete(f"/comments/<int(max={ID_MAX}):comment_id>")
def delete_comment(comment_id: int) -> tuple[str, int]:
    """The author deletes their comment within the edit window ("[deleted]" if it has replies)."""
    comment = editable(own_comment(comment_id))
    comment.deleted = True
    comment.body = ""
    comment.body_html = ""
    comment.website = None
    db.session.commit()
    log.info("comment %s deleted by its author", comment.id)
    return "", 204


def own_comment(comment_id: int) -> Comment:
    """The comment whose status token the request carries (`?token=`)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted:
        raise ApiError(404, "No such comment.")
    if not token_matches(request.args.get("token", ""), comment_id):
        raise ApiError(403, "The token does not match this comment.", code="invalid_token")
    return comment


def editable(comment: Comment) -> Comment:
    """Authors may change their words for EDIT_WINDOW seconds, unless staff rejected them."""
    created = comment.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC times
        created = created.replace(tzinfo=UTC)
    age = (utcnow() - created).total_seconds()
    if age > float(current_app.config["EDIT_WINDOW"]) or comment.status is CommentStatus.REJECTED:
        raise ApiError(403, "This comment can no longer be changed.", code="edit_window_closed")
    return comment


def own_view(comment: Comment) -> dict[str, Any]:
    return public_comment(comment) | {
        "status": comment.status.value,
        "thread": comment.thread.uri,
        "edited": comment.edited_at.isoformat() if comment.edited_at else None,
    }


@bp.get("/comments")
def list_comments() -> Response:
    """Published comments of one thread: top-level ones paginated, replies nested under them."""
    uri = request.args.get("thread", "").strip()
    if not uri:
        raise ApiError(
            400, "The 'thread' query parameter is required.", fields={"thread": "Required."}
        )
    page = int_arg("page", default=1, low=1, high=100_000)
    per_page = int_arg("per_page", default=PER_PAGE_DEFAULT, low=1, high=PER_PAGE_MAX)
    sort = request.args.get("sort", "oldest")
    if sort not in SORTS:
        raise ApiError(400, "Unknown sort order.", fields={"sort": "Use 'oldest' or 'newest'."})

    thread_id = existing_thread_id(uri)
    # One aggregate query says whether anything shown changed; a 304 needs nothing more.
    # (The form token is left out: it changes every second.)
    fingerprint = [uri, page, per_page, sort, *thread_version(thread_id)]
    etag = hashlib.sha256(json.dumps(fingerprint, default=str).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        cache = listing_cache()
        listing = cache.get(etag)
        if listing is None:
            listing = json.dumps(thread_listing(thread_id, uri, page, per_page, sort))
            cache.put(etag, listing)
        response = Response(with_form_token(listing), mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.get("/counts")
def count_comments() -> Response:
    """Published comments per thread, for article lists: `?thread=A&thread=B`."""
    uris = request.args.getlist("thread")
    if not uris or len(uris) > COUNTS_MAX:
        raise ApiError(
            400,
            f"Give 1 to {COUNTS_MAX} 'thread' parameters.",
            fields={"thread": "Required, repeatable."},
        )
    counts = dict.fromkeys(uris, 0)
    rows = db.session.execute(
        sa.select(Thread.uri, sa.func.count(Comment.id))
        .join(Comment, Comment.thread_id == Thread.id)
        .where(Thread.uri.in_(uris), Comment.status == CommentStatus.PUBLISHED, ~Comment.deleted)
        .group_by(Thread.uri)
    )
    counts.update({uri: int(count) for uri, count in rows})
    return jsonify(counts)


def with_form_token(listing: str) -> str:
    """The listing's JSON text with a fresh form token as its last member.

    The cached text is spliced rather than decoded and dumped again: a 100-comment
    listing is then served without serialising it per request.
    """
    return f'{listing[:-1]}, "form_token": {json.dumps(form_token())}}}'


#: What the ETag of a thread's listing is made of; built once (every GET runs it).
THREAD_VERSION = (
    sa.select(
        sa.func.count(Comment.id),
        sa.func.sum(Comment.id),
        sa.func.max(Comment.decided_at),
        sa.func.max(Comment.edited_at),
        sa.func.sum(sa.case((Comment.deleted, Comment.id), else_=0)),
        sa.func.max(Thread.title),
    )
    .join(Thread, Thread.id == Comment.thread_id)
    .where(
        Comment.thread_id == sa.bindparam("thread_id", type_=sa.Integer),
        Comment.status == CommentStatus.PUBLISHED,
    )
)


def thread_version(thread_id: int | None) -> list[Any]:
    """Changes whenever a comment is published, unpublished, edited or deleted in the thread."""
    if thread_id is None:
        return []
    return list(db.session.execute(THREAD_VERSION, {"thread_id": thread_id}).one())


def thread_listing(
    thread_id: int | None, uri: str, page: int, per_page: int, sort: str
) -> dict[str, Any]:
    """One page of top-level comments with their published replies, and the thread's total.

    Only the page's own reply trees are loaded (a recursive query), so a page of a
    2,000-comment thread costs what a page of a small one does.
    """
    thread = db.session.get(Thread, thread_id) if thread_id is not None else None
    if thread is None:
        return {"thread": {"uri": uri, "title": None}, "total": 0, "page": page,
                "per_page": per_page, "pages": 0, "comments": []}  # fmt: skip
    visible = sa.and_(
        Comment.thread_id == thread.id, Comment.status == CommentStatus.PUBLISHED, shown()
    )
    is_root = Comment.parent_id.is_(None)
    roots = list(
        db.session.scalars(
            sa.select(Comment)
            .where(visible, is_root)
            .order_by(SORTS[sort](Comment.id))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    n_roots = db.session.scalar(sa.select(sa.func.count(Comment.id)).where(visible, is_root)) or 0
    page_tree = published_tree(visible, [root.id for root in roots])
    replies = list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.id.in_(sa.select(page_tree.c.id)), ~is_root)
            .order_by(Comment.id)
        )
    )
    all_trees = published_tree(visible, None)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(all_trees)) or 0
    return {
        "thread": {"uri": thread.uri, "title": thread.title},
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(n_roots / per_page),
        "comments": nest_replies(roots, replies),
    }


def published_tree(visible: sa.ColumnElement[bool], root_ids: list[int] | None) -> sa.CTE:
    """Ids of visible comments reachable from `root_ids` (all visible roots when None)
    through visible parents only: a reply under an unpublished comment is not shown."""
    start = sa.select(Comment.id).where(visible, Comment.parent_id.is_(None))
    if root_ids is not None:
        start = start.where(Comment.id.in_(root_ids))
    tree = start.cte("tree", recursive=True)
    child = sa.orm.aliased(Comment)
    return tree.union_all(
        sa.select(child.id)
        .join(tree, child.parent_id == tree.c.id)
        .where(
            child.status == CommentStatus.PUBLISHED,
            sa.or_(child.deleted.is_(False), answered(child)),
        )
    )


def shown() -> sa.ColumnElement[bool]:
    """Not deleted, or deleted but answered by a published reply (shown as "[deleted]")."""
    return sa.or_(Comment.deleted.is_(False), answered(Comment))


def answered(comment: Any) -> sa.Exists:
    reply = sa.orm.aliased(Comment)
    return sa.exists().where(reply.parent_id == comment.id, reply.status == CommentStatus.PUBLISHED)


def read_json_body() -> Any:
    """The decoded JSON body; 415 for other media types, 400 for malformed JSON."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the comment as application/json.")
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.", code="invalid_json") from None


def check_parent(executor: Executor, new: NewComment, thread_id: int) -> None:
    """Replies may only answer a published comment of the same thread."""
    if new.parent_id is None:
        return
    parent = executor.execute(
        sa.select(Comment.thread_id, Comment.status).where(Comment.id == new.parent_id)
    ).first()
    if parent is None or parent.thread_id != thread_id or parent.status != CommentStatus.PUBLISHED:
        raise ApiError(
            422,
            "Some fields are invalid.",
            fields={"parent_id": "Must be a published comment of the same thread."},
        )


def int_arg(name: str, *, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(
            400, f"Invalid '{name}'.", fields={name: f"An integer from {low} to {high}."}
        )
    return value


def public_comment(comment: Comment) -> dict[str, Any]:
    """Only what any reader may see: never the email, IP hash, scores or reasons."""
    if comment.deleted:
        return {
            "id": comment.id,
            "parent_id": comment.parent_id,
            "deleted": True,
            "author": "",
            "website": None,
            "body": "",
            "html": "",
            "created": comment.created_at.isoformat(),
        }
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "website": comment.website,
        "body": comment.body,
        "html": comment.body_html,
        "created": comment.created_at.isoformat(),
        "deleted": False,
    }


def nest_replies(roots: list[Comment], replies: list[Comment]) -> list[dict[str, Any]]:
    """Attach each published reply under its published parent, at any depth."""
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        assert reply.parent_id is not None
        children.setdefault(reply.parent_id, []).append(reply)

    def node(comment: Comment) -> dict[str, Any]:
        return public_comment(comment) | {
            "replies": [node(child) for child in children.get(comment.id, [])]
        }

    return [node(root) for root in roots]
