"""Importing WordPress, Disqus and Isso exports, and exporting JSON, through the real CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from service.db import Comment
from service.db import CommentStatus
from service.db import ImportKey
from service.db import ReplySubscription
from service.db import Thread
from service.db import db
from service.transfer.records import html_to_text
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import sign_in

FIXTURES = Path(__file__).parent / "fixtures"
WP_POST = "/2024/03/ketamine-chronic-pain/"
DISQUS_DEPRESSION = "/2024/05/ketamine-and-depression/"


@pytest.fixture
def isso_db(tmp_path: Path) -> Path:
    """The Isso database, built from the committed SQL (reviewable text, not a binary)."""
    path = tmp_path / "comments.db"
    connection = sqlite3.connect(path)
    connection.executescript((FIXTURES / "isso.sql").read_text())
    connection.commit()
    connection.close()
    return path


def export_file(kind: str, isso_db: Path) -> str:
    return str(isso_db if kind == "isso" else FIXTURES / f"{kind}.xml")


def run(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def comments_by_author(app: Flask) -> dict[str, list[Comment]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
        db.session.expunge_all()
    found: dict[str, list[Comment]] = {}
    for comment in rows:
        found.setdefault(comment.author, []).append(comment)
    return found


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


SUMMARIES = {
    "wordpress": [
        "threads: 2 (2 new)",
        "comments: 7 (4 top-level, 3 replies)",
        "by status: pending 1, published 5, rejected 1",
        "skipped: pingbacks 1, trash 1",
        "queued for the classifier: 1",
    ],
    "disqus": [
        "threads: 2 (2 new)",
        "comments: 6 (4 top-level, 2 replies)",
        "by status: deleted 1, published 4, rejected 1",
        "skipped: none",
    ],
    "isso": [
        "threads: 2 (2 new)",
        "comments: 6 (3 top-level, 3 replies)",
        "by status: deleted 1, pending 1, published 4",
        "queued for the classifier: 1",
    ],
}


@pytest.mark.parametrize("kind", sorted(SUMMARIES))
def test_dry_run_prints_the_summary_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, isso_db: Path, kind: str
) -> None:
    output = run(runner, "import", kind, export_file(kind, isso_db), "--dry-run")
    assert "dry run: nothing written" in output
    for line in SUMMARIES[kind]:
        assert line in output
    for model in (Thread, Comment, ImportKey, ReplySubscription):
        assert count(app, model) == 0


@pytest.mark.parametrize("kind", sorted(SUMMARIES))
def test_importing_twice_adds_nothing_the_second_time(
    app: Flask, runner: FlaskCliRunner, isso_db: Path, kind: str
) -> None:
    first = run(runner, "import", kind, export_file(kind, isso_db))
    for line in SUMMARIES[kind]:
        assert line in first
    stored = count(app, Comment)
    second = run(runner, "import", kind, export_file(kind, isso_db))
    assert f"already imported: {stored}" in second
    assert "comments: 0 (0 top-level, 0 replies)" in second
    assert count(app, Comment) == stored == count(app, ImportKey)


def test_wordpress_keeps_threads_replies_states_and_private_emails(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    run(runner, "import", "wordpress", str(FIXTURES / "wordpress.xml"))
    by_author = comments_by_author(app)
    maria_question, maria_thanks = by_author["Maria Gómez"]
    lee_answer, lee_drive = by_author["Dr. Lee"]
    # 103 is listed before its parent 101 in the file; the link survives.
    assert lee_answer.parent_id == maria_question.id
    assert maria_thanks.parent_id == lee_answer.id
    assert maria_question.email == "maria.gomez@example.org"
    assert maria_question.created_at.replace(tzinfo=None).isoformat() == "2024-03-02T14:04:05"
    assert maria_question.body == (
        "How many infusions did it take before you felt a **difference**?\n"
        "My doctor mentioned it & I’m curious."
    )
    assert "<strong>difference</strong>" in maria_question.body_html
    assert lee_answer.body.split("\n\n")[1].startswith(
        "It varies, so please [ask us](https://blog.riverside-clinic.example/contact/)"
    )
    assert 'rel="nofollow ugc noopener"' in lee_answer.body_html
    assert by_author["Tom"][0].status is CommentStatus.PENDING
    assert by_author["Tom"][0].website == "http://tom.example.net"
    assert by_author["cheap meds"][0].status is CommentStatus.REJECTED
    assert by_author["Ana"][0].body == "Can I drive home after a session? *Asking for my mother.*"
    assert "Health Digest" not in by_author  # the pingback
    with app.app_context():
        thread = db.session.scalars(sa.select(Thread).where(Thread.uri == WP_POST)).one()
        assert thread.title == "How Does Ketamine Treatment Work for Chronic Pain?"
        assert db.session.scalar(sa.select(Thread.uri).where(Thread.uri == "/?p=27"))

    listing = client.get("/api/v1/comments", query_string={"thread": WP_POST}).get_json()
    assert listing["total"] == 3  # the pending and the spam comments are not shown
    assert listing["comments"][0]["replies"][0]["replies"][0]["body"] == (
        "Thank you, that helps a lot."
    )
    assert "example.org" not in json.dumps(listing)


def test_disqus_keeps_a_deleted_comment_as_deleted_under_its_reply(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    run(runner, "import", "disqus", str(FIXTURES / "disqus.xml"))
    by_author = comments_by_author(app)
    assert by_author["Jordan"][0].body == (
        "Has anyone had side effects like dizziness?\n\n"
        "Mine lasted about an hour after each session."
    )
    assert by_author["Priya"][0].body == (
        "Yes, the same for me. It was gone by dinner.\n"
        "See [the NHS page](https://www.nhs.uk/medicines/ketamine/)."
    )
    assert by_author["Priya"][0].parent_id == by_author["Jordan"][0].id
    assert by_author["Guest"][0].email is None
    assert by_author["K deals"][0].status is CommentStatus.REJECTED
    assert (
        by_author["Lena"][0].body == "Which of the studies used infusions & which used the spray?"
    )

    listing = client.get("/api/v1/comments", query_string={"thread": DISQUS_DEPRESSION})
    comments = listing.get_json()["comments"]
    deleted = comments[0]
    assert deleted["deleted"] is True and deleted["body"] == ""
    assert deleted["replies"][0]["author"] == "Guest"
    assert "regret" not in listing.get_data(as_text=True)


def test_isso_keeps_markdown_pending_state_and_reply_subscriptions(
    app: Flask, runner: FlaskCliRunner, isso_db: Path
) -> None:
    run(runner, "import", "isso", str(isso_db))
    by_author = comments_by_author(app)
    first, thanks = by_author["Olivia"]
    assert first.body == "How long does one infusion take?\n\nI have to arrange *childcare*."
    assert "<em>childcare</em>" in first.body_html
    assert first.website == "https://olivia.example.org"
    assert thanks.parent_id == by_author["Riverside Clinic"][0].id
    assert by_author["Anonymous"][0].status is CommentStatus.PENDING
    with app.app_context():
        subscribed = db.session.scalars(
            sa.select(Comment.author).join(ReplySubscription).order_by(Comment.id)
        ).all()
    assert subscribed == ["Olivia", "Ken"]


def test_an_xml_bomb_and_a_wrong_file_are_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><title>&lol2;</title></channel></rss>"
    )
    result = runner.invoke(args=["import", "wordpress", str(bomb)])
    assert result.exit_code == 1
    assert "refused" in result.output
    disqus_as_wordpress = runner.invoke(args=["import", "wordpress", str(FIXTURES / "disqus.xml")])
    assert disqus_as_wordpress.exit_code == 1
    assert "not a WordPress export" in disqus_as_wordpress.output
    not_sqlite = runner.invoke(args=["import", "isso", str(FIXTURES / "disqus.xml")])
    assert not_sqlite.exit_code == 1
    assert "not an Isso database" in not_sqlite.output
    assert count(app, Comment) == 0


def test_export_has_every_status_and_emails_only_when_asked(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    run(runner, "import", "wordpress", str(FIXTURES / "wordpress.xml"))
    document = json.loads(run(runner, "export", "comments"))
    assert document["format"] == "clinic-comments/1"
    assert [thread["uri"] for thread in document["threads"]] == [WP_POST, "/?p=27"]
    statuses = {c["status"] for t in document["threads"] for c in t["comments"]}
    assert statuses == {"published", "pending", "rejected"}
    assert "@" not in json.dumps(document).replace("@example", "")  # no address at all
    assert all("email" not in c for t in document["threads"] for c in t["comments"])

    output = tmp_path / "private.json"
    run(runner, "export", "comments", "--thread", WP_POST, "--include-private", "-o", str(output))
    private = json.loads(output.read_text())
    assert [thread["uri"] for thread in private["threads"]] == [WP_POST]
    missing = runner.invoke(args=["export", "comments", "--thread", "/no/such/post/"])
    assert missing.exit_code == 1 and "no thread /no/such/post/" in missing.output
    emails = {c["email"] for c in private["threads"][0]["comments"]}
    assert "maria.gomez@example.org" in emails
    first = private["threads"][0]["comments"][0]
    assert first["created"] == "2024-03-02T14:04:05+00:00"


def test_only_admins_download_the_export(app: Flask) -> None:
    with app.app_context():
        make_comment(email="secret-reader@example.org")
        make_staff("mod@clinic.example")
        make_staff("admin@clinic.example", role="admin")
    anonymous = app.test_client()
    assert anonymous.get("/admin/export.json").status_code == 302
    moderator = app.test_client()
    assert sign_in(moderator, "mod@clinic.example").status_code == 302
    assert moderator.get("/admin/export.json").status_code == 403
    admin = app.test_client()
    assert sign_in(admin, "admin@clinic.example").status_code == 302
    response = admin.get("/admin/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    document = response.get_json()
    assert document["threads"][0]["comments"][0]["body"].startswith("Thank you")
    assert "secret-reader" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("html", "keep_newlines", "text"),
    [
        ("<p>One.</p><p>Two &amp; three.</p>", False, "One.\n\nTwo & three."),
        ("Line one\nline two\n\nNew paragraph", True, "Line one\nline two\n\nNew paragraph"),
        ('<a href="javascript:alert(1)">click</a> me', False, "click me"),
        ('<a href="https://a.example/">https://a.example/</a>', False, "https://a.example/"),
        ("<script>alert(1)</script><b>bold</b>", False, "**bold**"),
        ("<blockquote>Quoted</blockquote><p>Reply</p>", False, "> Quoted\n\nReply"),
        ("<ul><li>one</li><li>two</li></ul>", False, "- one\n- two"),
    ],
)
def test_html_becomes_the_stored_text_form(html: str, keep_newlines: bool, text: str) -> None:
    assert html_to_text(html, keep_newlines=keep_newlines) == text
