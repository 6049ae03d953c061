"""What the queue shows: tab, filters, search and keyset pages, as one set of SQL conditions.

The same parameters come from the page's query string and from the hidden fields of its
forms, so a decision returns the moderator to exactly the list they were reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields
from typing import Any

import sqlalchemy as sa

from ..db import Comment
from ..db import CommentStatus
from ..db import Report
from ..db import db

TABS = ("held", "reported", "pending", "published", "rejected", "all")
PER_PAGE = 25
#: A text search with more matches than this pages through SQL instead (see queue_page).
SCAN_CAP = 2_000
MAX_TEXT = 200
#: Comments readers reported (any status): issue 5's Reported tab.
REPORTED = Comment.id.in_(sa.select(Report.comment_id))


def _score(value: str | None) -> float | None:
    """A score bound in [0, 1]; anything else means "no bound" (a filter, not an error)."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    if number is None or number != number:  # NaN
        return None
    return min(1.0, max(0.0, number))


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@dataclass(frozen=True)
class QueueFilters:
    """Filters that combine with every tab: search, reason, article and score ranges."""

    q: str = ""
    reason: str = ""
    thread: int | None = None
    spam_min: float | None = None
    spam_max: float | None = None
    claim_min: float | None = None
    claim_max: float | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> QueueFilters:
        return cls(
            q=args.get("q", "").strip()[:MAX_TEXT],
            reason=args.get("reason", "").strip()[:MAX_TEXT],
            thread=_id(args.get("thread")),
            spam_min=_score(args.get("spam_min")),
            spam_max=_score(args.get("spam_max")),
            claim_min=_score(args.get("claim_min")),
            claim_max=_score(args.get("claim_max")),
        )

    def as_args(self) -> dict[str, Any]:
        """The non-empty filters, for links and hidden fields."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    @property
    def scans_text(self) -> bool:
        """Substring matches read every row: no index helps `ILIKE '%word%'`."""
        return bool(self.q or self.reason)

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if self.q:
            where.append(
                sa.or_(
                    Comment.body.icontains(self.q, autoescape=True),
                    Comment.author.icontains(self.q, autoescape=True),
                    Comment.email.icontains(self.q, autoescape=True),
                )
            )
        if self.reason:
            # The reasons are a JSON list of short strings: match its text form.
            where.append(sa.cast(Comment.reasons, sa.Text).icontains(self.reason, autoescape=True))
        if self.thread is not None:
            where.append(Comment.thread_id == self.thread)
        for column, low, high in (
            (Comment.spam_score, self.spam_min, self.spam_max),
            (Comment.medical_claim_score, self.claim_min, self.claim_max),
        ):
            if low is not None:
                where.append(column >= low)
            if high is not None:
                where.append(column <= high)
        return where


def tab_condition(tab: str) -> list[sa.ColumnElement[bool]]:
    if tab == "reported":
        return [REPORTED]
    if tab == "all":
        return []
    return [Comment.status == CommentStatus(tab)]


def tab_counts(filters: QueueFilters) -> dict[str, int]:
    """How many comments match the filters in each tab.

    Without a text filter, one grouped query on the indexes. With one, each tab counts at
    most SCAN_CAP + 1 matches (shown as "2,000+"), so a broad search stops reading early
    instead of matching text in every row of a large table.
    """
    counts = dict.fromkeys(TABS, 0)
    if filters.scans_text:
        for tab in TABS:
            if tab != "all":
                capped = sa.select(Comment.id).where(*tab_condition(tab), *filters.conditions())
                counts[tab] = db.session.scalar(
                    sa.select(sa.func.count()).select_from(capped.limit(SCAN_CAP + 1).subquery())
                ) or 0  # fmt: skip
        total = sum(counts[status.value] for status in CommentStatus)
        counts["all"] = min(total, SCAN_CAP + 1)
        return counts
    for status, count, reported in db.session.execute(
        sa.select(
            Comment.status, sa.func.count(Comment.id), sa.func.count(Comment.id).filter(REPORTED)
        )
        .where(*filters.conditions())
        .group_by(Comment.status)
    ):
        counts[status.value] = count
        counts["reported"] += reported
    counts["all"] = sum(counts[status.value] for status in CommentStatus)
    return counts


def count_label(count: int) -> str:
    """A tab count as shown: capped counts of a text search read "2,000+"."""
    return f"{SCAN_CAP:,}+" if count > SCAN_CAP else f"{count:,}"


@dataclass(frozen=True)
class Page:
    """One keyset page: its comments and the cursors of the pages on either side."""

    comments: list[Comment]
    previous: int | None  # pass as `before` for the page before this one
    next: int | None  # pass as `after` for the page after this one


def queue_page(
    tab: str, filters: QueueFilters, after: int | None, before: int | None
) -> tuple[Page, dict[str, int]]:
    """The page to show and the tab counts, reading the table as few times as possible.

    Without a text filter both come from indexes (a keyset page and a grouped count). A text
    search has to read every row whatever we do, so a narrow one reads them once: the
    matching ids with their status, from which the counts and the page are taken in Python.
    A broad one (over SCAN_CAP matches) stops reading early and uses the keyset page, whose
    own scan also stops after a page of matches, and the grouped count.
    """
    if filters.scans_text:
        matches = db.session.execute(
            sa.select(Comment.id, Comment.status, REPORTED)
            .where(*filters.conditions())
            .limit(SCAN_CAP + 1)
        ).all()
        if len(matches) <= SCAN_CAP:
            return matches_page(matches, tab, after, before)
    return keyset_page(tab, filters, after, before), tab_counts(filters)


def matches_page(
    matches: Sequence[sa.Row[tuple[int, CommentStatus, bool]]],
    tab: str,
    after: int | None,
    before: int | None,
) -> tuple[Page, dict[str, int]]:
    """The counts and a page taken from every match of a narrow search (see queue_page)."""
    counts = dict.fromkeys(TABS, 0)
    for _, status, reported in matches:
        counts[status.value] += 1
        counts["reported"] += bool(reported)
    counts["all"] = len(matches)
    in_tab = [
        comment_id
        for comment_id, status, reported in matches
        if tab == "all" or (bool(reported) if tab == "reported" else status.value == tab)
    ]
    oldest_first = tab == "held"
    ordered = sorted(in_tab, reverse=not oldest_first)

    def comes_after(comment_id: int, cursor: int) -> bool:
        return comment_id > cursor if oldest_first else comment_id < cursor

    start, end = 0, len(ordered)
    if before is not None and after is None:
        end = next((i for i, c in enumerate(ordered) if not comes_after(before, c)), len(ordered))
        start = max(0, end - PER_PAGE)
    else:
        if after is not None:
            start = next((i for i, c in enumerate(ordered) if comes_after(c, after)), len(ordered))
        end = min(len(ordered), start + PER_PAGE)
    ids = ordered[start:end]
    rows = {c.id: c for c in db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids)))}
    comments = [rows[i] for i in ids if i in rows]
    page = Page(
        comments=comments,
        previous=ids[0] if ids and start > 0 else None,
        next=ids[-1] if ids and end < len(ordered) else None,
    )
    return page, counts


def keyset_page(tab: str, filters: QueueFilters, after: int | None, before: int | None) -> Page:
    """A page in the tab's order: held oldest first (first come, first served), others newest.

    Keyset pages (`id > cursor` on the status and id index) cost the same on page 400 as on
    page 1, unlike OFFSET, which reads and throws away every earlier row.
    """
    oldest_first = tab == "held"
    base = sa.select(Comment).where(*tab_condition(tab), *filters.conditions())

    def later(cursor: int) -> sa.ColumnElement[bool]:
        return Comment.id > cursor if oldest_first else Comment.id < cursor

    def earlier(cursor: int) -> sa.ColumnElement[bool]:
        return Comment.id < cursor if oldest_first else Comment.id > cursor

    forward = Comment.id.asc() if oldest_first else Comment.id.desc()
    backward = Comment.id.desc() if oldest_first else Comment.id.asc()
    if before is not None and after is None:
        rows = list(
            db.session.scalars(base.where(earlier(before)).order_by(backward).limit(PER_PAGE + 1))
        )
        more_before = len(rows) > PER_PAGE
        comments = rows[:PER_PAGE][::-1]
        more_after = bool(comments)
    else:
        query = base if after is None else base.where(later(after))
        rows = list(db.session.scalars(query.order_by(forward).limit(PER_PAGE + 1)))
        more_after = len(rows) > PER_PAGE
        comments = rows[:PER_PAGE]
        more_before = (
            after is not None
            and comments != []
            and db.session.scalar(
                sa.select(base.where(earlier(comments[0].id)).exists())
            )  # fmt: skip
            is True
        )
    return Page(
        comments=comments,
        previous=comments[0].id if comments and more_before else None,
        next=comments[-1].id if comments and more_after else None,
    )
