"""The audit log: every moderation decision, newest first, filterable by moderator and label."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import render_template
from flask import request

from ..auth import role_required
from ..db import Label
from ..db import ModerationDecision
from ..db import Role
from ..db import db
from . import bp

PER_PAGE = 50


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit() -> str:
    moderator = request.args.get("moderator", "").strip()
    label = request.args.get("label", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = sa.select(ModerationDecision)
    if moderator:
        query = query.where(ModerationDecision.moderator == moderator)
    if label in Label._value2member_map_:
        query = query.where(ModerationDecision.label == Label(label))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    decisions = db.session.scalars(
        query.order_by(ModerationDecision.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    moderators = db.session.scalars(
        sa.select(ModerationDecision.moderator).distinct().order_by(ModerationDecision.moderator)
    ).all()
    return render_template(
        "admin/audit.html",
        decisions=decisions,
        moderators=moderators,
        labels=[label.value for label in Label],
        moderator=moderator,
        label=label,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        total=total,
    )
