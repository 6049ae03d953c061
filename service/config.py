"""Configuration: embedded defaults, then the environment, then a test mapping.

Defaults need no server (a SQLite file and kombu's filesystem broker in the instance
folder), so `make run` works on a machine with only Python. Production sets
`DATABASE_URL`, `REDIS_URL` and `SECRET_KEY`; any other key can be set as
`FLASK_<KEY>` (nested keys with `__`, e.g. `FLASK_CELERY__worker_concurrency=4`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

#: Plain environment variables that operators expect, mapped onto config keys.
PLAIN_ENV = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "MODEL_STORE": "MODEL_STORE",
    "LOG_LEVEL": "LOG_LEVEL",
    "APP_ENV": "APP_ENV",
    "IP_HASH_SALT": "IP_HASH_SALT",
    # Notifications (service/notifications.py, worker/notify.py).
    **{name: name for name in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM")},
    **{name: name for name in ("SMTP_STARTTLS", "MODERATOR_EMAILS", "PUBLIC_URL")},
    **{name: name for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_FORMAT")},
    "METRICS_TOKEN": "METRICS_TOKEN",
}
FLOAT_ENV = {
    "SPAM_THRESHOLD": "SPAM_THRESHOLD",
    "MEDICAL_CLAIM_THRESHOLD": "MEDICAL_CLAIM_THRESHOLD",
    "PENDING_SWEEP_AGE": "PENDING_SWEEP_AGE",
    "TRUSTED_CLAIM_THRESHOLD": "TRUSTED_CLAIM_THRESHOLD",
    "MODEL_PROMOTION_TOLERANCE": "MODEL_PROMOTION_TOLERANCE",
}
INT_ENV = {
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "TRUSTED_MIN_APPROVED": "TRUSTED_MIN_APPROVED",
    "SMTP_PORT": "SMTP_PORT",
    "NOTIFY_DIGEST_MINUTES": "NOTIFY_DIGEST_MINUTES",
    "WORKER_METRICS_PORT": "WORKER_METRICS_PORT",
}


def defaults(instance_path: str) -> dict[str, Any]:
    """Development defaults: everything lives in the instance folder."""
    instance = Path(instance_path)
    broker_dir = instance / "broker"
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'comments.sqlite'}",
        # hide_parameters: a logged database error must not carry a comment's text or email.
        # Stale connections are caught by db.ping_if_idle, not by a ping on every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "MODEL_STORE": str(instance / "models"),
        # None means "use the active model's own thresholds".
        "SPAM_THRESHOLD": None,
        "MEDICAL_CLAIM_THRESHOLD": None,
        "ALLOWED_ORIGINS": [],
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "PENDING_SWEEP_AGE": 120.0,
        "TRUSTED_PROXIES": 0,
        "LOG_LEVEL": "INFO",
        # Abuse defences (see service/abuse.py).
        "COMMENT_RATE_LIMIT": "5 per minute;60 per day",
        "THREAD_RATE_LIMIT": "60 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": "comments",
        # Reliability: a Redis outage must not turn a POST into a 500; count in memory meanwhile.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "REQUIRE_FORM_TOKEN": True,
        "MIN_SUBMIT_SECONDS": 3.0,
        "FORM_TOKEN_MAX_AGE": 7 * 24 * 3600,
        "DUPLICATE_WINDOW": 24 * 3600,
        # Authors may edit or delete for this long; reports from this many readers hold a comment.
        "EDIT_WINDOW": 15 * 60,
        # Staff sessions: set SESSION_COOKIE_SECURE=true (FLASK_SESSION_COOKIE_SECURE) behind HTTPS.
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "REPORT_THRESHOLD": 3,
        # Decision policy (worker/policy.py): an email with this many approved comments and no
        # rejection is trusted (published at once) unless its medical-claim score is over this.
        "TRUSTED_MIN_APPROVED": 3,
        "TRUSTED_CLAIM_THRESHOLD": 0.9,
        "JSON_SORT_KEYS": False,
        # Security and privacy (service/security.py; README "Security and privacy").
        # APP_ENV=production refuses to start without real SECRET_KEY and IP_HASH_SALT.
        "APP_ENV": "development",
        "IP_HASH_SALT": None,
        "FRAME_ANCESTORS": ["'none'"],
        # Notifications: email (SMTP_*) and/or a signed webhook; off while neither is set.
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_FROM": "comments@localhost",
        "SMTP_STARTTLS": "false",
        "MODERATOR_EMAILS": "staff",  # addresses, or "staff": every active staff account
        "WEBHOOK_URL": None,
        "WEBHOOK_SECRET": None,
        "WEBHOOK_FORMAT": "json",  # or "slack": {"text": ...}
        "NOTIFY_DIGEST_MINUTES": 15,  # at most one message per window; 0 sends each at once
        "PUBLIC_URL": "http://127.0.0.1:8000",  # links in emails (queue, unsubscribe)
        # Operations (service/metrics.py, worker/metrics.py): the worker's exporter is off
        # unless WORKER_METRICS_PORT is set; /metrics asks for this bearer token when set.
        "WORKER_METRICS_PORT": None,
        "METRICS_TOKEN": None,
        # Model lifecycle (worker/training_tasks.py): a retrained model is promoted only if,
        # per label, its ROC AUC and average precision are at most this much below the
        # active model's on the same evaluation data.
        "MODEL_PROMOTION_TOLERANCE": 0.01,
        # Worker throughput: a classify run scores its comment and drains the other pending
        # ones, CLASSIFY_BATCH per model call and commit. With Redis, posts that land while a
        # run is queued or running send no task of their own (service/coalescing.py).
        "CLASSIFY_BATCH": 100,
        "CLASSIFY_COALESCE_URL": None,
        "CLASSIFY_COALESCE_SECONDS": 5.0,
        # A web process that saw the key set skips Redis for this long; the run waits as much.
        "CLASSIFY_COALESCE_TRUST": 0.05,
        # A run that finds fewer than CLASSIFY_BATCH pending waits this long for more.
        "CLASSIFY_LINGER": 0.1,
        # Built thread listings kept per web process, looked up by ETag (0 turns it off).
        "LISTING_CACHE_SIZE": 256,
        "CELERY": {
            **filesystem_broker(broker_dir),
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            "task_routes": {"worker.training_tasks.*": {"queue": "training"}},
            "beat_schedule": {
                "sweep-pending": {"task": "worker.tasks.sweep_pending", "schedule": 60.0},
                "held-digest": {"task": "worker.notify.send_held_digest", "schedule": 60.0},
            },
        },
    }


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill `app.config` in the documented order: defaults, environment, tests."""
    app.config.from_mapping(defaults(app.instance_path))
    for env_name, key in PLAIN_ENV.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    for env_name, key in FLOAT_ENV.items():
        if os.environ.get(env_name):
            app.config[key] = float(os.environ[env_name])
    for env_name, key in INT_ENV.items():
        if os.environ.get(env_name):
            app.config[key] = int(os.environ[env_name])
    if os.environ.get("ALLOWED_ORIGINS"):
        app.config["ALLOWED_ORIGINS"] = split_list(os.environ["ALLOWED_ORIGINS"])
    if os.environ.get("FRAME_ANCESTORS"):
        app.config["FRAME_ANCESTORS"] = split_list(os.environ["FRAME_ANCESTORS"])
    if os.environ.get("REDIS_URL"):
        use_redis_broker(app.config["CELERY"], os.environ["REDIS_URL"])
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
        app.config["CLASSIFY_COALESCE_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("CELERY_BROKER_URL"):
        app.config["CELERY"]["broker_url"] = os.environ["CELERY_BROKER_URL"]
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    make_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["APP_ENV"] == PRODUCTION:
        require_production_secrets(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    if not app.config.get("IP_HASH_SALT"):
        app.config["IP_HASH_SALT"] = derived_secret(app.config["SECRET_KEY"], "ip-hash-salt")


PRODUCTION = "production"
#: Secrets production must set; values shorter than this, or placeholders, are refused.
PRODUCTION_SECRETS = ("SECRET_KEY", "IP_HASH_SALT")
SECRET_MIN_LENGTH = 32
#: Words of the placeholders people paste ("change-me-secret-key..."); too long to occur by chance.
PLACEHOLDER_WORDS = ("change", "secret", "default", "example", "password", "placeholder")


class InsecureConfiguration(RuntimeError):
    """Production mode with a missing or placeholder secret: the app refuses to start."""


def require_production_secrets(config: dict[str, Any]) -> None:
    """Refuse missing, short or placeholder secrets; messages name the setting, never its value."""
    for name in PRODUCTION_SECRETS:
        value = str(config.get(name) or "")
        placeholder = any(word in value.lower() for word in PLACEHOLDER_WORDS)
        if len(value) < SECRET_MIN_LENGTH or placeholder or len(set(value)) < 8:
            raise InsecureConfiguration(
                f"APP_ENV=production needs {name} set to a random value of at least"
                f" {SECRET_MIN_LENGTH} characters, e.g. from"
                " `python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
    if config["SECRET_KEY"] == config["IP_HASH_SALT"]:
        raise InsecureConfiguration("SECRET_KEY and IP_HASH_SALT must be different values")


def derived_secret(key: str, purpose: str) -> str:
    """A development secret derived from SECRET_KEY (production sets its own)."""
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def filesystem_broker(folder: Path, polling_interval: float = 0.1) -> dict[str, Any]:
    """Celery settings for kombu's embedded filesystem broker, every file under `folder`."""
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": polling_interval,
        },
    }


#: Seconds before Redis hands an unacknowledged message (acks_late) to another worker. Longer
#: than any task including a retry's countdown (60 s at most) or a retrain, so a slow task is
#: not run twice; short enough that the comment of a SIGKILLed worker comes back within
#: minutes even before the sweeper (PENDING_SWEEP_AGE) re-enqueues it.
REDIS_VISIBILITY_TIMEOUT = 600


def use_redis_broker(celery_config: dict[str, Any], redis_url: str) -> None:
    """Point Celery at Redis, with a visibility timeout longer than any classify task."""
    celery_config["broker_url"] = redis_url
    celery_config["broker_transport_options"] = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` URLs that hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder it lives in (the instance folder at first)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and len(url) > len(prefix):
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def split_list(value: str) -> list[str]:
    """Split a comma- or space-separated environment value."""
    return [item for item in value.replace(",", " ").split() if item]


def instance_secret(instance: Path) -> str:
    """A random per-installation key kept in the instance folder (never a literal fallback).

    Production sets `SECRET_KEY`; this keeps tokens valid across restarts of a
    development install without anyone choosing a weak key by hand.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    draft = instance / f".secret_key.{os.getpid()}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        os.link(draft, path)  # atomic: the web and the worker may start at the same moment
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
