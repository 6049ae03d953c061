"""One classify run at a time for many posts.

A classify run drains every pending comment (worker/tasks.py), so a post that lands
while a run is queued or running needs no task of its own: that run will see it. A
Redis key says "a run is queued or running". A post sets it (SET NX) after its commit
and sends a task only if it was the one to set it. A run deletes it only when it finds
nothing pending, and then looks once more: a post that found the key set committed
before the deletion, so that last look sees it; a post after the deletion queues the
next run. During a spam wave this turns hundreds of broker messages and task starts
per second into a few runs with full batches, which is what lets one worker keep up.

A process that has just seen the key set trusts it for CLASSIFY_COALESCE_TRUST seconds
and does not ask Redis again: under a flood most posts then cost no Redis round trip.
The run pays for it: after deleting the key it waits that long before its last look, so
a post that trusted a key seen before the deletion has committed by then too.

The key expires after CLASSIFY_COALESCE_SECONDS, so a lost or stuck run costs at most
that much delay (and the sweeper catches the rest). Without Redis (the embedded
defaults), or when Redis fails, every post sends its own task, as before: coalescing
only ever saves work.
"""

from __future__ import annotations

import logging
import time

import redis
from flask import current_app

log = logging.getLogger(__name__)

KEY_PREFIX = "comments:classify-run-queued:"
_EXTENSION = "coalescing_redis"
#: Until when (time.monotonic) this process trusts that a run is queued or running.
_TRUSTED_UNTIL = "coalescing_trusted_until"
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
    asked = time.monotonic()  # before the answer: the trust ends no later than it should
    if asked < current_app.extensions.get(_TRUSTED_UNTIL, 0.0):
        return False  # seen set moments ago: the run drains this comment too
    ttl_ms = int(float(current_app.config["CLASSIFY_COALESCE_SECONDS"]) * 1000)
    try:
        claimed = bool(client.set(run_key(), b"1", nx=True, px=ttl_ms))
    except redis.RedisError as error:
        log.warning("coalescing unavailable, queueing a run: %s", type(error).__name__)
        return True
    current_app.extensions[_TRUSTED_UNTIL] = asked + trust_seconds()
    return claimed


def stop_trusting() -> None:
    """This process claimed a run it could not queue: its next post must ask Redis."""
    current_app.extensions[_TRUSTED_UNTIL] = 0.0


def trust_seconds() -> float:
    """How long a process relies on a key it saw set (0 without Redis: nothing to trust)."""
    if not current_app.config.get("CLASSIFY_COALESCE_URL"):
        return 0.0
    return max(0.0, float(current_app.config["CLASSIFY_COALESCE_TRUST"]))


def release_run() -> float:
    """A run found nothing pending (or could not be queued): the next post queues one.

    Returns how long to wait before the last look for pending comments: posts that
    trusted the key without asking Redis may commit until then.
    """
    client = _client()
    if client is None:
        return 0.0
    try:
        client.delete(run_key())
    except redis.RedisError as error:  # the key expires on its own
        log.warning("could not clear the queued-run key: %s", type(error).__name__)
    return trust_seconds()
