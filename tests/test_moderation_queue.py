"""The queue's tools: bulk decisions, undo, filters and search, pages, Reported, live counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.db import Comment
from service.db import CommentStatus
from service.db import Label
from service.db import ModerationDecision
from service.db import Report
from service.db import ReportReason
from service.db import db
from service.moderation import filters
from service.moderation.decisions import training_labels
from service.moderation.filters import PER_PAGE
from tests.factories import csrf_token
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import make_thread
from tests.factories import reload_comment
from tests.factories import sign_in
from tests.test_moderation import decide

CARD = re.compile(r'<article class="card [^"]*" id="c(\d+)"')


@pytest.fixture
def two_moderators(app: Flask, client: FlaskClient) -> tuple[FlaskClient, FlaskClient]:
    """first@ signed in on `client`, second@ on a browser of their own."""
    with app.app_context():
        make_staff("first@clinic.example")
        make_staff("second@clinic.example")
    second = app.test_client()
    sign_in(second, "second@clinic.example")
    sign_in(client, "first@clinic.example")
    return client, second


def held(app: Flask, count: int, **overrides: Any) -> list[int]:
    with app.app_context():
        return [make_comment(status=CommentStatus.HELD, **overrides).id for _ in range(count)]


def bulk(client: FlaskClient, action: str, selected: list[str], **form: Any) -> Any:
    token = csrf_token(client, "/moderation/?tab=all")
    data = {"action": action, "selected": selected, "csrf_token": token, "tab": "held", **form}
    return client.post("/moderation/bulk", data=data)


def undo(client: FlaskClient, **form: Any) -> Any:
    token = csrf_token(client, "/moderation/?tab=all")
    return client.post("/moderation/undo", data={"csrf_token": token, **form})


def card_ids(client: FlaskClient, **query: Any) -> list[int]:
    page = client.get("/moderation/", query_string=query).get_data(as_text=True)
    return [int(i) for i in CARD.findall(page)]


def flashes(client: FlaskClient, response: Any) -> str:
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return " ".join(re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', page))


def decisions(app: Flask) -> list[tuple[int, str, str, str, str, int | None]]:
    with app.app_context():
        return [
            (d.comment_id, d.action, d.from_status.value, d.to_status.value, d.label.value,
             d.reverted_by_id)
            for d in db.session.scalars(
                sa.select(ModerationDecision).order_by(ModerationDecision.id))
        ]  # fmt: skip


def labelled(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return sorted((d.comment_id, d.label.value) for d in db.session.scalars(training_labels()))


def test_bulk_decides_each_comment_with_its_own_record_and_label(
    app: Flask, moderator: FlaskClient
) -> None:
    ids = held(app, 3, spam_score=0.2, medical_claim_score=0.1, model_version="v7")
    response = bulk(moderator, "approve", [f"{i}:held" for i in ids])
    assert response.status_code == 302
    assert "3 approved." in flashes(moderator, response)
    assert all(reload_comment(app, i).status is CommentStatus.PUBLISHED for i in ids)
    assert decisions(app) == [(i, "approve", "held", "published", "ham", None) for i in ids]
    assert labelled(app) == [(i, "ham") for i in ids]
    with app.app_context():
        for decision in db.session.scalars(sa.select(ModerationDecision)):
            assert decision.moderator == "mod@clinic.example"
            assert (decision.spam_score, decision.model_version) == (0.2, "v7")


def test_bulk_reports_what_someone_else_already_decided(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff("first@clinic.example")
        make_staff("second@clinic.example")
    ids = held(app, 4)
    sign_in(client, "first@clinic.example")
    decide(client, ids[0], "approve", "held")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/moderation/")})
    sign_in(client, "second@clinic.example")
    response = bulk(client, "spam", [f"{i}:held" for i in ids] + ["999999:held"])
    assert flashes(client, response) == (
        "3 rejected as spam, 1 already decided by first@clinic.example, 1 not found."
    )
    assert reload_comment(app, ids[0]).status is CommentStatus.PUBLISHED
    assert labelled(app) == sorted([(ids[0], "ham")] + [(i, "spam") for i in ids[1:]])


@pytest.mark.parametrize(
    "form",
    [
        {"action": "approve", "selected": ["1:nonsense"]},
        {"action": "approve", "selected": ["x:held"]},
        {"action": "unpublish_spam", "selected": ["1:published"]},
        {"action": "delete", "selected": ["1:held"]},
    ],
)
def test_bulk_refuses_malformed_requests(
    app: Flask, moderator: FlaskClient, form: dict[str, Any]
) -> None:
    [comment_id] = held(app, 1)
    response = bulk(moderator, **form)
    assert flashes(moderator, response) == "Unknown action."
    assert reload_comment(app, comment_id).status is CommentStatus.HELD
    assert decisions(app) == []


def test_bulk_without_csrf_token_is_refused(app: Flask, moderator: FlaskClient) -> None:
    [comment_id] = held(app, 1)
    form = {"action": "approve", "selected": [f"{comment_id}:held"]}
    response = moderator.post("/moderation/bulk", data=form)
    assert response.status_code == 400
    assert reload_comment(app, comment_id).status is CommentStatus.HELD


def test_undo_of_a_bulk_action_restores_and_withdraws_the_labels(
    app: Flask, moderator: FlaskClient
) -> None:
    ids = held(app, 3)
    bulk(moderator, "medical_claim", [f"{i}:held" for i in ids], note="cure claim")
    page = moderator.get("/moderation/").get_data(as_text=True)
    assert "Last action: 3 rejected as medical claim." in page
    response = undo(moderator, tab="held")
    assert response.headers["Location"] == "/moderation/?tab=held"
    assert flashes(moderator, response) == "Undone: 3 back to held."
    assert all(reload_comment(app, i).status is CommentStatus.HELD for i in ids)
    assert reload_comment(app, ids[0]).decided_at is None
    rows = decisions(app)
    undo_ids = {comment_id: n for n, (comment_id, action, *_rest) in enumerate(rows, 1)
                if action == "undo"}  # fmt: skip
    assert rows[3:] == [(i, "undo", "rejected", "held", "medical_claim", None) for i in ids]
    assert rows[:3] == [(i, "reject", "held", "rejected", "medical_claim", undo_ids[i])
                        for i in ids]  # fmt: skip
    assert labelled(app) == []  # neither the undone decision nor the undo is an example
    assert "Last action" not in moderator.get("/moderation/").get_data(as_text=True)
    assert flashes(moderator, undo(moderator)) == "Nothing to undo."
    bulk(moderator, "approve", [f"{i}:held" for i in ids[:1]])  # decided afresh: labelled again
    assert labelled(app) == [(ids[0], "ham")]


def test_undo_of_an_unpublish_publishes_again(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        comment_id = make_comment().id
    decide(moderator, comment_id, "unpublish_spam", "published")
    undo(moderator)
    assert reload_comment(app, comment_id).status is CommentStatus.PUBLISHED
    assert labelled(app) == []


def test_undo_leaves_alone_what_another_moderator_changed_since(
    app: Flask, two_moderators: tuple[FlaskClient, FlaskClient]
) -> None:
    client, second = two_moderators
    ids = held(app, 2)
    bulk(client, "approve", [f"{i}:held" for i in ids])
    decide(second, ids[1], "unpublish_other", "published")
    response = undo(client)
    assert flashes(client, response) == (
        f"Undone: 1 back to held; comment {ids[1]} left rejected by second@clinic.example."
    )
    assert reload_comment(app, ids[0]).status is CommentStatus.HELD
    assert reload_comment(app, ids[1]).status is CommentStatus.REJECTED
    assert labelled(app) == [(ids[1], "ham"), (ids[1], "other")]  # the approval stands
    # The second moderator's session holds their own last action, not the first one's.
    undo(second)
    assert reload_comment(app, ids[1]).status is CommentStatus.PUBLISHED


def test_filters_and_search_combine_with_tabs(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        other = make_thread("/blog/sleep", title="Sleep and pain")
        spammy = make_comment(status=CommentStatus.HELD, body="Buy cheap pills 100% off",
                              spam_score=0.95, medical_claim_score=0.1,
                              reasons=["spam 0.95: 'cheap'"]).id  # fmt: skip
        claim = make_comment(status=CommentStatus.HELD, body="Ketamine cures depression",
                             spam_score=0.05, medical_claim_score=0.92, author="Dr Who",
                             email="who@tardis.example", reasons=["watched word: 'cures'"],
                             thread=other).id  # fmt: skip
        public = make_comment(body="Cheap advice, thanks", spam_score=0.3).id
        unscored = make_comment(status=CommentStatus.HELD, body="pending review").id
        other_id = other.id
    assert card_ids(moderator, q="CHEAP") == [spammy]
    assert card_ids(moderator, q="cheap", tab="all") == [public, spammy]
    assert card_ids(moderator, q="tardis") == [claim]  # email
    assert card_ids(moderator, q="dr who") == [claim]  # author
    assert card_ids(moderator, q="100%") == [spammy]  # LIKE wildcards are literal
    assert card_ids(moderator, q="10_%") == []
    assert card_ids(moderator, reason="watched WORD") == [claim]
    assert card_ids(moderator, thread=other_id) == [claim]
    assert card_ids(moderator, spam_min="0.9") == [spammy]
    assert card_ids(moderator, spam_max="0.5") == [claim]  # unscored comments have no score
    assert card_ids(moderator, claim_min="0.5", claim_max="1") == [claim]
    assert card_ids(moderator, spam_min="0.9", q="ketamine") == []
    assert card_ids(moderator) == [spammy, claim, unscored]
    for junk in ({"spam_min": "lots"}, {"thread": "-1"}, {"claim_max": "nan"}, {"tab": "x"}):
        assert moderator.get("/moderation/", query_string=junk).status_code == 200
    page = moderator.get("/moderation/", query_string={"q": "cheap", "tab": "all"})
    text = page.get_data(as_text=True)
    assert re.search(r'All <span class="tab-count" data-tab="all">2</span>', text)
    assert re.search(r'Held <span class="tab-count" data-tab="held">1</span>', text)
    assert 'href="/moderation/?tab=published&amp;q=cheap"' in text  # tabs keep the filters
    empty = moderator.get("/moderation/", query_string={"q": "nothing like this"})
    assert "No comments match these filters." in empty.get_data(as_text=True)


@pytest.mark.parametrize("by", ["q", "q-broad", "thread"])  # narrow and broad search, indexed
def test_pages_keep_the_filters(
    app: Flask, moderator: FlaskClient, by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if by == "q-broad":  # more matches than one scan collects: paged by SQL, counts capped
        monkeypatch.setattr(filters, "SCAN_CAP", PER_PAGE)
    ids = []
    with app.app_context():
        needles = make_thread("/blog/needles", title="Needles")
        for n in range(PER_PAGE * 2 + 3):
            ids.append(make_comment(status=CommentStatus.HELD, body="needle in the haystack",
                                    thread=needles).id)  # fmt: skip
            if n % 10 == 0:  # others in between, outside the filter
                make_comment(status=CommentStatus.HELD, body="something else")
        match = {"thread": str(needles.id)} if by == "thread" else {"q": "needle"}
    first = moderator.get("/moderation/", query_string=match).get_data(as_text=True)
    assert [int(i) for i in CARD.findall(first)] == ids[:PER_PAGE]  # oldest first
    after = f"after={ids[PER_PAGE - 1]}"
    [next_link] = re.findall(r'href="([^"]+)" rel="next"', first)
    [(name, value)] = match.items()
    assert set(next_link.split("?")[1].split("&amp;")) == {"tab=held", f"{name}={value}", after}
    assert 'rel="prev"' not in first
    held_count = re.search(r'data-tab="held">([^<]+)<', first)
    assert held_count and held_count.group(1) == ("25+" if by == "q-broad" else str(len(ids)))
    second = card_ids(moderator, **match, after=ids[PER_PAGE - 1])
    third = card_ids(moderator, **match, after=ids[2 * PER_PAGE - 1])
    assert second == ids[PER_PAGE : 2 * PER_PAGE] and third == ids[2 * PER_PAGE :]
    assert card_ids(moderator, **match, after=ids[-1]) == []
    assert card_ids(moderator, **match, before=ids[2 * PER_PAGE]) == second
    assert card_ids(moderator, **match, before=ids[PER_PAGE]) == ids[:PER_PAGE]
    assert card_ids(moderator, **match, before=ids[3]) == ids[:3]
    newest = ids[::-1]
    assert card_ids(moderator, tab="all", **match) == newest[:PER_PAGE]
    assert (
        card_ids(moderator, tab="all", **match, after=newest[PER_PAGE - 1])
        == newest[PER_PAGE : 2 * PER_PAGE]
    )
    assert card_ids(moderator, tab="all", **match, before=newest[PER_PAGE]) == newest[:PER_PAGE]
    page = moderator.get("/moderation/", query_string={**match, "after": ids[PER_PAGE - 1]})
    assert 'rel="prev"' in page.get_data(as_text=True)
    # A decision from page two returns to page two with the same filters.
    response = decide(moderator, second[0], "approve", "held", **match,
                      after=str(ids[PER_PAGE - 1]))  # fmt: skip
    assert response.headers["Location"] == (
        f"/moderation/?tab=held&{name}={value}&after={ids[PER_PAGE - 1]}"
    )


def test_author_history_counts_other_comments_by_email_or_address(
    app: Flask, moderator: FlaskClient
) -> None:
    with app.app_context():
        make_comment(email="a@example.org", ip_hash="1" * 32)  # same email
        make_comment(email=None, ip_hash="2" * 32)  # same address
        make_comment(email="a@example.org", ip_hash="3" * 32, status=CommentStatus.REJECTED)
        make_comment(email="b@example.org", ip_hash="4" * 32)  # someone else
        make_comment(email="a@example.org", ip_hash="2" * 32, status=CommentStatus.HELD)
        make_comment(email="c@example.org", ip_hash="5" * 32, status=CommentStatus.HELD)
    page = moderator.get("/moderation/").get_data(as_text=True)
    histories = re.findall(r"<dd>(\d+ approved, \d+ rejected)</dd>", page)
    assert histories == ["2 approved, 1 rejected", "0 approved, 0 rejected"]
    published = moderator.get("/moderation/", query_string={"tab": "published", "q": "b@"})
    assert "<dd>0 approved, 0 rejected</dd>" in published.get_data(as_text=True)  # not itself


def test_reported_tab_lists_reports_and_their_reasons(app: Flask, moderator: FlaskClient) -> None:
    with app.app_context():
        reported = make_comment(status=CommentStatus.HELD, body="Stop your medication",
                                reasons=["reported by readers"]).id  # fmt: skip
        quiet = make_comment(status=CommentStatus.HELD).id
        for n, reason in enumerate(
            [ReportReason.MEDICAL_MISINFORMATION] * 2 + [ReportReason.ABUSIVE]
        ):
            db.session.add(Report(comment_id=reported, ip_hash=f"{n:032d}", reason=reason))
        db.session.commit()
    page = moderator.get("/moderation/", query_string={"tab": "reported"}).get_data(as_text=True)
    assert [int(i) for i in CARD.findall(page)] == [reported]
    assert re.search(r'Reported <span class="tab-count" data-tab="reported">1</span>', page)
    assert "Reported by 3 readers:" in page
    assert "abusive ×1, medical misinformation ×2" in page
    assert quiet in card_ids(moderator)
    empty = moderator.get("/moderation/", query_string={"tab": "reported", "q": "zzz"})
    assert "No comments match these filters." in empty.get_data(as_text=True)


def test_live_counts_follow_other_moderators(
    app: Flask, two_moderators: tuple[FlaskClient, FlaskClient]
) -> None:
    client, other = two_moderators
    ids = held(app, 3)
    url = f"/moderation/counts?ids={','.join(map(str, ids))},abc"
    before = client.get(url).get_json()
    assert before["counts"]["held"] == 3 and before["counts"]["all"] == 3
    assert before["comments"][str(ids[0])] == {"status": "held", "by": None}
    decide(other, ids[0], "spam", "held")
    after = client.get(url).get_json()
    assert (after["counts"]["held"], after["counts"]["rejected"]) == (2, 1)
    assert after["comments"][str(ids[0])] == {"status": "rejected", "by": "second@clinic.example"}
    filtered = client.get("/moderation/counts", query_string={"q": "no such text"}).get_json()
    assert filtered["counts"]["held"] == 0 and filtered["comments"] == {}


def test_live_counts_need_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/moderation/counts")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_training_labels_are_only_standing_decisions(app: Flask, moderator: FlaskClient) -> None:
    ids = held(app, 2)
    decide(moderator, ids[0], "approve", "held")
    decide(moderator, ids[1], "spam", "held")
    undo(moderator)  # only the last action (the spam) is undone
    assert labelled(app) == [(ids[0], "ham")]
    with app.app_context():
        labels = {d.label for d in db.session.scalars(training_labels())}
        assert labels == {Label.HAM}
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


def test_undo_is_only_for_the_moderator_who_acted(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff("first@clinic.example")
        make_staff("second@clinic.example")
    [comment_id] = held(app, 1)
    sign_in(client, "first@clinic.example")
    decide(client, comment_id, "approve", "held")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/moderation/")})
    sign_in(client, "second@clinic.example")  # same browser, another moderator
    assert "Last action" not in client.get("/moderation/").get_data(as_text=True)
    assert flashes(client, undo(client)) == "Nothing to undo."
    assert reload_comment(app, comment_id).status is CommentStatus.PUBLISHED
