"""Admin pages for the moderation mode and the lists the worker's decision policy applies."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth import role_required
from ..db import ListEntry
from ..db import ListKind
from ..db import ModerationMode
from ..db import Role
from ..db import db
from ..policy import LIST_LABELS
from ..policy import MODE_LABELS
from ..policy import add_entries
from ..policy import counts
from ..policy import current_mode
from ..policy import remove_entry
from ..policy import set_mode
from . import bp

PER_PAGE = 100
#: Lines accepted in one paste; larger lists go in several pastes (or `flask admin lists-add`).
PASTE_MAX_LINES = 20_000
#: A paste of 20,000 domains is larger than the API's MAX_CONTENT_LENGTH.
PASTE_MAX_BYTES = 2 * 1024 * 1024
ERRORS_SHOWN = 5


@bp.url_value_preprocessor
def allow_large_pastes(endpoint: str | None, values: dict[str, object] | None) -> None:
    """Raise the body limit for the paste form only.

    URL value preprocessors run before every `before_request` hook, and so before
    CSRFProtect's, which is the first to read the form.
    """
    if endpoint == "admin.add_to_list":
        request.max_content_length = PASTE_MAX_BYTES
        request.max_form_memory_size = PASTE_MAX_BYTES


@bp.get("/policy")
@role_required(Role.ADMIN)
def policy() -> str:
    return render_template(
        "admin/policy.html", mode=current_mode(), modes=MODE_LABELS, counts=counts(),
        labels=LIST_LABELS,
    )  # fmt: skip


@bp.post("/policy/mode")
@role_required(Role.ADMIN)
def change_mode() -> Response:
    value = request.form.get("mode", "")
    if value not in ModerationMode._value2member_map_:
        flash("Choose one of the modes.", "error")
        return redirect(url_for("admin.policy"))
    set_mode(ModerationMode(value), current_user.email)
    db.session.commit()
    flash(f"Mode set: {MODE_LABELS[ModerationMode(value)]}.", "success")
    return redirect(url_for("admin.policy"))


def requested_kind(source: dict[str, str]) -> ListKind | None:
    value = source.get("kind", "")
    return ListKind(value) if value in ListKind._value2member_map_ else None


@bp.get("/lists")
@role_required(Role.ADMIN)
def lists() -> str | Response:
    kind = requested_kind(request.args)
    if kind is None:
        return redirect(url_for("admin.policy"))
    search = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = sa.select(ListEntry).where(ListEntry.kind == kind)
    if search:
        query = query.where(ListEntry.value.icontains(search, autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    entries = db.session.scalars(
        query.order_by(ListEntry.value).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/lists.html", kind=kind, label=LIST_LABELS[kind], labels=LIST_LABELS,
        entries=entries, total=total, search=search, page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
    )  # fmt: skip


@bp.post("/lists/add")
@role_required(Role.ADMIN)
def add_to_list() -> Response:
    kind = requested_kind(request.form)
    if kind is None:
        flash("Unknown list.", "error")
        return redirect(url_for("admin.policy"))
    lines = request.form.get("values", "").splitlines()
    if len(lines) > PASTE_MAX_LINES:
        flash(f"Paste at most {PASTE_MAX_LINES:,} lines at once.", "error")
        return redirect(url_for("admin.lists", kind=kind.value))
    try:
        result = add_entries(kind, lines, current_user.email)
        db.session.commit()
    except sa.exc.IntegrityError:  # another admin added the same entry at the same moment
        db.session.rollback()
        flash("Someone else changed this list meanwhile; please try again.", "error")
        return redirect(url_for("admin.lists", kind=kind.value))
    message = f"Added {result.added} to {LIST_LABELS[kind].lower()}"
    if result.duplicates:
        message += f"; {result.duplicates} already listed"
    flash(message + ".", "success" if result.added or not result.errors else "error")
    if result.errors:
        shown = "; ".join(result.errors[:ERRORS_SHOWN])
        more = len(result.errors) - ERRORS_SHOWN
        shown += f" (and {more} more)" if more > 0 else ""
        flash(f"Skipped {len(result.errors)}: {shown}", "error")
    return redirect(url_for("admin.lists", kind=kind.value))


@bp.post("/lists/remove")
@role_required(Role.ADMIN)
def remove_from_list() -> Response:
    entry_id = request.form.get("entry_id", type=int)
    entry = remove_entry(entry_id, current_user.email) if entry_id else None
    if entry is None:
        flash("That entry was already removed.", "error")
        return redirect(url_for("admin.policy"))
    db.session.commit()
    flash(f"Removed {entry.value!r} from {LIST_LABELS[entry.kind].lower()}.", "success")
    return redirect(url_for("admin.lists", kind=entry.kind.value, q=request.form.get("q") or None))
