"""Configuration from the environment, in the documented order."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from service import create_app
from service.config import instance_secret
from service.config import normalise_database_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_urls_from_hosting_providers_use_psycopg3(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


def test_environment_configures_servers_and_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/comments")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://blog.example, https://www.blog.example")
    monkeypatch.setenv("SPAM_THRESHOLD", "0.8")
    monkeypatch.setenv("FLASK_PENDING_SWEEP_AGE", "300")
    monkeypatch.setenv("FLASK_CELERY__worker_concurrency", "4")
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/comments"
    assert config["CELERY"]["broker_url"] == "redis://cache:6379/2"
    assert config["CELERY"]["broker_transport_options"]["visibility_timeout"] >= 600
    assert config["CELERY"]["worker_concurrency"] == 4
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["ALLOWED_ORIGINS"] == ["https://blog.example", "https://www.blog.example"]
    assert config["SPAM_THRESHOLD"] == 0.8
    assert config["MEDICAL_CLAIM_THRESHOLD"] is None
    assert config["PENDING_SWEEP_AGE"] == 300


def test_defaults_need_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    config = create_app({"SECRET_KEY": "k"}).config
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["CELERY"]["broker_url"] == "filesystem://"
    assert create_app({"SECRET_KEY": "k", "X": 1}).config["X"] == 1


def test_missing_secret_key_is_random_private_and_stable(tmp_path: Path) -> None:
    first = instance_secret(tmp_path)
    assert len(first) == 64
    assert instance_secret(tmp_path) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert instance_secret(tmp_path / "elsewhere") != first
