"""One classify run at a time for many posts.

A classify run drains every pending comment (worker/tasks.py), so a post that lands
while a run is queued or running needs no task of its own: that run will see it. A
Redis key says "a run is queued or running". A post sets it (SET NX) after its commit
and sends a task only if it was the one to set it. A run deletes it only when it finds
nothing pending, and then looks once more: a post that found the key set committed
before the deletion, so that last look sees it; a post after the deletion queues the
next run. During a spam wave this turns hundreds of broker messages and task starts
per second into a few runs with full batches, which is what lets one worker keep up.

The key expires after CLASSIFY_COALESCE_SECONDS, so a lost or stuck run costs at most
that much delay (and the sweeper catches the rest). Without Redis (the embedded
defaults), or when Redis fails, every post sends its own task, as before: coalescing
only ever saves work.
"""

from __future__ import annotations

import logging

import redis
from flask import current_app

log = logging.getLogger(__name__)

KEY_PREFIX = "comments:classify-run-queued:"
_EXTENSION = "coalescing_redis"
#: A slow Redis must not stall a POST: give up quickly and send the task.
TIMEOUT_SECONDS = 0.25


def _client() -> redis.Redis | None:
    url = current_app.config.get("CLASSIFY_COALESCE_URL")
    if not url:
        return None
    client: redis.Redis | None = current_app.extensions.get(_EXTENSION)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        current_app.extensions[_EXTENSION] = client
    return client


def run_key() -> str:
    """One key per Celery queue: apps sharing a Redis but not a queue never share a run."""
    return KEY_PREFIX + str(current_app.config["CELERY"].get("task_default_queue", "celery"))


def claim_run() -> bool:
    """Whether the caller should queue a classify run (none is queued or running, or no Redis)."""
    client = _client()
    if client is None:
        return True
    ttl_ms = int(float(current_app.config["CLASSIFY_COALESCE_SECONDS"]) * 1000)
    try:
        return bool(client.set(run_key(), b"1", nx=True, px=ttl_ms))
    except redis.RedisError as error:
        log.warning("coalescing unavailable, queueing a run: %s", type(error).__name__)
        return True


def release_run() -> None:
    """A run found nothing pending (or could not be queued): the next post queues one."""
    client = _client()
    if client is None:
        return
    try:
        client.delete(run_key())
    except redis.RedisError as error:  # the key expires on its own
        log.warning("could not clear the queued-run key: %s", type(error).__name__)
