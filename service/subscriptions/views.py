"""Unsubscribe from reply emails: GET asks, POST (with a CSRF token) does it.

A mail scanner that follows every link only ever GETs, so it never unsubscribes
anyone; the signed token in the URL is what proves the reader got the email.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask import abort
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug.wrappers import Response as BaseResponse

from ..db import Comment
from ..db import ReplySubscription
from ..db import db
from ..db import utcnow
from ..notifications import subscription_for_token
from . import bp


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> Response:
    subscription = subscription_for_token(token) or abort(404)
    page = render_template("subscriptions/unsubscribe.html", subscription=subscription)
    response = make_response(page)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onward
    return response


@bp.post("/unsubscribe/<token>")
def confirm_unsubscribe(token: str) -> BaseResponse:
    """Stop reply emails to this address, for every comment it subscribed."""
    subscription = subscription_for_token(token) or abort(404)
    email = subscription.comment.email or ""
    same_address = sa.select(Comment.id).where(sa.func.lower(Comment.email) == email.lower())
    db.session.execute(
        sa.update(ReplySubscription)
        .where(ReplySubscription.active, ReplySubscription.comment_id.in_(same_address))
        .values(active=False, unsubscribed_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("subscriptions.unsubscribe", token=token), code=303)
