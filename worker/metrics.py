"""The worker's Prometheus exporter: verdict counters and classify latency over HTTP.

Started by `signals.py` when the worker starts, on WORKER_METRICS_PORT (off when unset,
so tests and one-off commands open no port). With the prefork pool, tasks run in child
processes: set PROMETHEUS_MULTIPROC_DIR so the parent's exporter sees their counters.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from prometheus_client import multiprocess
from prometheus_client import start_http_server

from service.db import CommentStatus
from service.metrics import COMMENTS_HELD
from service.metrics import COMMENTS_PUBLISHED
from service.metrics import COMMENTS_REJECTED
from service.metrics import process_registry
from service.metrics import reason_label

from .policy import Verdict

log = logging.getLogger(__name__)

#: Exporters started in this process, by port, so the worker's shutdown can close them.
_servers: dict[int, Any] = {}


def record_verdict(verdict: Verdict) -> None:
    """Count the classifier's decision, by reason when it held or rejected the comment."""
    if verdict.status is CommentStatus.PUBLISHED:
        COMMENTS_PUBLISHED.inc()
        return
    counter = COMMENTS_HELD if verdict.status is CommentStatus.HELD else COMMENTS_REJECTED
    for reason in {reason_label(reason) for reason in verdict.reasons} or {"other"}:
        counter.labels(reason).inc()


def start_exporter(port: int, address: str = "0.0.0.0") -> int:
    """Serve /metrics on `port` (0 picks a free one); returns the port it listens on."""
    server, _thread = start_http_server(port, addr=address, registry=process_registry())
    bound = int(server.server_port)
    _servers[bound] = server
    log.info("worker metrics on port %s", bound)
    return bound


def exporter_ports() -> list[int]:
    return sorted(_servers)


def stop_exporters() -> None:
    while _servers:
        _port, server = _servers.popitem()
        server.shutdown()
        server.server_close()


def forget_process(pid: int) -> None:
    """A pool child exited: drop its live gauges from the multiprocess files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
