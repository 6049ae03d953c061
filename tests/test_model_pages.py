"""Admin model pages: versions, report images, explorer, retrain progress, data, label next."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import persistence
from models.corpus import load_seed
from models.promotion import write_own_report
from models.report import probabilities_of
from models.retraining import Decision
from models.retraining import assemble
from service.db import CommentStatus
from service.db import TrainingRun
from service.db import db
from service.db import utcnow
from service.moderation.decisions import decide
from tests.factories import csrf_token
from tests.factories import make_comment
from tests.factories import make_staff
from tests.factories import sign_in
from tests.test_lifecycle import sign_in_admin


@pytest.fixture
def reported_store(model_store: Path, tmp_path: Path) -> Path:
    """A copy of the session store whose active version has a report with images."""
    store = tmp_path / "models"
    shutil.copytree(model_store, store, ignore=shutil.ignore_patterns(".lock"))
    version = persistence.active_version(store)
    assert version is not None
    classifier = persistence.load(store, version)
    data = assemble(load_seed(), [])
    scores = probabilities_of(classifier, data.evaluation)
    write_own_report(store, version, data, scores, classifier.thresholds)
    return store


@pytest.fixture
def admin(make_app: Callable[..., Flask], reported_store: Path) -> tuple[Flask, FlaskClient]:
    app = make_app(reported_store)
    return app, sign_in_admin(app)


def test_versions_report_images_and_explorer(admin: tuple[Flask, FlaskClient]) -> None:
    app, client = admin
    store = Path(app.config["MODEL_STORE"])
    version = persistence.active_version(store)
    listing = client.get("/admin/models/").get_data(as_text=True)
    assert version in listing and "active" in listing
    page = client.get(f"/admin/models/{version}/", query_string={"spam": "0.3"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Threshold explorer" in text and 'value="0.3"' in text
    assert "models.js" in text and "<script>" not in text
    image = client.get(f"/admin/models/{version}/pr.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data[:4] == b"\x89PNG"
    image.close()
    bare = str(version)[:-8] + "0e0e0e0e"
    shutil.copytree(store / str(version), store / bare, ignore=shutil.ignore_patterns("report*"))
    no_report = client.get(f"/admin/models/{bare}/").get_data(as_text=True)
    assert "No evaluation report for this version yet" in no_report
    for path in (
        f"/admin/models/{version}/metadata.json",
        f"/admin/models/{version}/..%2FACTIVE",
        "/admin/models/..%2F..%2Fetc/pr.png",
        "/admin/models/20261125T000000000000Z-deadbeef/",
    ):
        assert client.get(path).status_code == 404, path


def test_retrain_button_queues_one_run_and_reports_progress(
    admin: tuple[Flask, FlaskClient],
) -> None:
    app, client = admin
    token = csrf_token(client, "/admin/models/")
    response = client.post("/admin/models/retrain", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        run = db.session.scalars(db.select(TrainingRun)).one()
        assert (run.status.value, run.requested_by) == ("queued", "admin@clinic.example")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-url="/admin/models/runs/{run.id}"' in page
    assert client.get(f"/admin/models/runs/{run.id}").get_json() == {
        "id": run.id, "status": "queued", "step": "queued", "percent": 0, "version": None,
        "promoted": None, "error": None, "finished": False,
    }  # fmt: skip
    again = client.post("/admin/models/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "already queued" in again.get_data(as_text=True)
    assert client.get("/admin/models/runs/999").status_code == 404
    assert client.get("/admin/models/runs/abc").status_code == 404


def test_model_pages_are_for_admins(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_staff("mod@clinic.example")
    sign_in(client, "mod@clinic.example")
    assert client.get("/admin/models/").status_code == 403
    assert client.get("/admin/models/training-data").status_code == 403
    assert client.get("/moderation/label-next").status_code == 200


def test_training_data_page_shows_counts_newest_and_conflicts(
    admin: tuple[Flask, FlaskClient],
) -> None:
    from worker.training_tasks import training_data

    app, client = admin
    with app.app_context():
        first = make_comment(body="Great <b>article</b>, thanks!", status=CommentStatus.HELD)
        second = make_comment(body="GREAT <b>article</b>,   thanks!", status=CommentStatus.HELD)
        decide(first.id, "approve", CommentStatus.HELD, "mod@clinic.example", None)
        decide(second.id, "spam", CommentStatus.HELD, "mod@clinic.example", None)
        training_data()  # what the worker's task writes
    page = client.get("/admin/models/training-data").get_data(as_text=True)
    assert "Conflicts: the same text labeled two ways (1)" in page
    assert "ham (decision); spam (decision)" in page
    assert "&lt;b&gt;article&lt;/b&gt;" in page and "<b>article</b>" not in page
    assert "<th>ham</th><th>spam</th>" in page


def test_label_next_lists_comments_nearest_a_threshold(admin: tuple[Flask, FlaskClient]) -> None:
    app, client = admin
    store = Path(app.config["MODEL_STORE"])
    version = persistence.active_version(store)
    assert version is not None
    spam_threshold = persistence.read_metadata(store, version)["thresholds"]["spam"]
    with app.app_context():
        sure = make_comment(body="sure", spam_score=0.01, medical_claim_score=0.0)
        unsure = make_comment(body="unsure", spam_score=spam_threshold - 0.01,
                              medical_claim_score=0.0, status=CommentStatus.HELD)  # fmt: skip
        make_comment(body="decided-already", spam_score=spam_threshold, medical_claim_score=0.0,
                     status=CommentStatus.REJECTED)  # fmt: skip
        labeled = make_comment(body="labeled-already", spam_score=spam_threshold,
                               medical_claim_score=0.0, status=CommentStatus.HELD)  # fmt: skip
        decide(labeled.id, "approve", CommentStatus.HELD, "mod@clinic.example", None)
        ids = (sure.id, unsure.id)
    page = client.get("/moderation/label-next").get_data(as_text=True)
    assert "labeled-already" not in page
    assert page.index(f'id="c{ids[1]}"') < page.index(f'id="c{ids[0]}"')
    assert "decided-already" not in page
    assert f'action="/moderation/{ids[1]}/decide"' in page


def test_decision_assembly_latest_label_wins_and_newest_are_held_out() -> None:
    now = utcnow()

    decisions = [
        Decision(1, "Buy cheap stuff", "ham", now),
        Decision(1, "Buy cheap stuff", "spam", now + timedelta(seconds=1)),
        Decision(2, "b u y  CHEAP stuff", "spam", now + timedelta(seconds=2)),
        Decision(3, "Off topic rant", "other", now + timedelta(seconds=3)),
    ]
    decisions += [
        Decision(10 + i, f"Nice post number {i}", "ham", now + timedelta(minutes=i))
        for i in range(10)
    ]
    data = assemble([], decisions)
    assert data.summary["decisions_used"] == 12  # "other" teaches neither label
    texts = [e.text for e in data.train + data.evaluation]
    assert sum("cheap" in t.lower() for t in texts) == 1  # one example after normalisation
    assert data.summary["decisions_held_out"] == 2
    assert {e.text for e in data.evaluation} == {"Nice post number 8", "Nice post number 9"}


def test_a_version_from_another_scikit_learn_is_flagged_and_not_activated(
    admin: tuple[Flask, FlaskClient],
) -> None:
    app, client = admin
    store = Path(app.config["MODEL_STORE"])
    active = persistence.active_version(store)
    assert active is not None
    old = active[:-8] + "01dc0de0"
    shutil.copytree(store / active, store / old)
    metadata = json.loads((store / old / "metadata.json").read_text())
    metadata.update(id=old, libraries={**metadata["libraries"], "scikit-learn": "0.24.2"})
    (store / old / "metadata.json").write_text(json.dumps(metadata))
    listing = client.get("/admin/models/").get_data(as_text=True)
    assert "saved with scikit-learn 0.24.2: retrain" in listing
    token = csrf_token(client, "/admin/models/")
    response = client.post(
        f"/admin/models/{old}/activate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "retrain instead of activating it" in response.get_data(as_text=True)
    assert persistence.active_version(store) == active
    result = app.test_cli_runner().invoke(args=["model", "activate", old])
    assert result.exit_code == 1 and "scikit-learn 0.24.2" in result.output
    assert persistence.active_version(store) == active


def test_rescore_button_queues_the_task_and_logs_it(admin: tuple[Flask, FlaskClient]) -> None:
    app, client = admin
    token = csrf_token(client, "/admin/models/")
    response = client.post("/admin/models/rescore", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/models/events"
    events = client.get("/admin/models/events").get_data(as_text=True)
    assert "rescore requested" in events and "admin@clinic.example" in events
