"""Model pages in a real browser: retrain with live progress from a real worker, the explorer."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import worker.training_tasks  # noqa: F401  (registers the training tasks on every app)
from models import persistence
from tests.factories import STAFF_PASSWORD
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]
DOCS = Path(__file__).parents[2] / "docs"


@pytest.fixture
def app(make_app: Callable[..., Flask], model_store: Path, tmp_path: Path) -> Flask:
    """On a private copy of the store: this test promotes a version."""
    store = tmp_path / "models"
    shutil.copytree(model_store, store, ignore=shutil.ignore_patterns(".lock"))
    return make_app(store)


@pytest.fixture
def training_worker(app: Flask) -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        yield


def test_admin_retrains_watches_progress_and_explores_thresholds(
    app: Flask, page: Any, service_url: str, training_worker: None
) -> None:
    store = Path(app.config["MODEL_STORE"])
    first = persistence.active_version(store)
    with app.app_context():
        make_staff("admin@clinic.example", role="admin")
    page.goto(f"{service_url}/admin/models/")
    page.get_by_label("Email").fill("admin@clinic.example")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Retrain").click()
    run = page.locator("#training-run")
    run.wait_for()
    # models.js polls the run and reloads the page when it ends.
    outcome = run.locator("[data-field=outcome]", has_text=re.compile(r"Z-[0-9a-f]+ promoted"))
    outcome.wait_for(timeout=240_000)
    second = persistence.active_version(store)
    assert second != first
    page.locator("tr.active", has_text=str(second)).wait_for()  # after the reload
    assert page.executed == []

    page.get_by_role("link", name=str(second)).click()
    page.get_by_role("heading", name="Threshold explorer").wait_for()
    assert page.locator("img[alt^='Precision']").evaluate("img => img.naturalWidth") > 0
    spam = page.locator("fieldset").first
    slider = spam.locator("input[type=range]")
    slider.fill("0.05")
    low = float(spam.locator("[data-field=held]").inner_text())
    slider.fill("0.95")
    high = float(spam.locator("[data-field=held]").inner_text())
    assert spam.locator("[data-field=threshold]").inner_text() == "0.95"
    assert low > high
    if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's picture, refreshed on request
        page.set_viewport_size({"width": 1100, "height": 1400})
        page.screenshot(path=str(DOCS / "model-report.png"), full_page=False)
    assert page.executed == []
