"""The production shape on 127.0.0.1 (gunicorn, Celery, Redis, PostgreSQL), started by code.

Used by the benchmark (`bench/load.py`) and the fault-injection test
(`tests/test_fault.py`). Everything it starts is private, so it never collides with
tests running at the same time on the shared servers:

- a fresh PostgreSQL schema (from `DATABASE_URL`, default the local server), migrated
  with `flask db upgrade` and dropped at the end;
- its own `redis-server` on a free port (no persistence), which can be restarted;
- gunicorn (`service.wsgi:app`) and a Celery worker (`celery -A worker worker`,
  with `--beat` when asked) as subprocesses in their own process groups.

    with Stack(StackOptions(web_workers=2)) as stack:
        requests to stack.base_url ...
        stack.kill_worker(); stack.start_worker(); stack.restart_redis()

`stop()` runs on exit from the `with` block, on an exception and on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import TracebackType
from typing import IO

import sqlalchemy as sa

from service.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
SWEEP_TASK = "worker.tasks.sweep_pending"


@dataclass
class StackOptions:
    """How to start the stack; the defaults are the documented production settings."""

    web_workers: int = 2
    web_worker_class: str = "sync"
    web_threads: int = 1
    worker_concurrency: int = 1
    worker_pool: str = "prefork"
    beat: bool = False
    #: Seconds a comment stays pending before the sweeper re-enqueues it; and how often it runs.
    sweep_age: float = 120.0
    sweep_interval: float = 60.0
    #: Redis visibility timeout (None: the configured default).
    visibility_timeout: int | None = None
    database_url: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    )
    #: An existing model store to use; None trains one on the seed corpus in the work folder.
    model_store: Path | None = None
    #: Extra environment for the web and worker processes (e.g. FLASK_* settings).
    env: dict[str, str] = field(default_factory=dict)
    log_level: str = "WARNING"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: object, timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll `check()` until it is true; raise with `what` after `timeout` seconds."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet: connection refused, broker down...
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def status_mb(pid: int, field: str) -> float:
    """A memory line of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: now) in MB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb(pid: int) -> float:
    return status_mb(pid, "VmHWM")


def rss_mb(pid: int) -> float:
    return status_mb(pid, "VmRSS")


def children(pid: int) -> list[int]:
    """Direct child processes (gunicorn's workers, Celery's pool processes)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


class Stack:
    """A private instance of the service; see the module docstring."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.work = Path(tempfile.mkdtemp(prefix="stack-"))
        self.schema = f"stack_{uuid.uuid4().hex[:10]}"
        self.web_port = free_port()
        self.redis_port = free_port()
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.redis: subprocess.Popen[bytes] | None = None
        self._logs: list[IO[bytes]] = []
        self._admin = sa.create_engine(normalise_database_url(self.options.database_url))
        self.database_url = (
            sa.make_url(normalise_database_url(self.options.database_url))
            .update_query_dict({"options": f"-csearch_path={self.schema}"})
            .render_as_string(hide_password=False)
        )
        self.engine = sa.create_engine(self.database_url, pool_pre_ping=True)
        self._schema_created = False

    # -- life cycle -------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start(self) -> None:
        """Database, model, Redis, worker and web; returns when all of them answer."""
        self.start_redis()
        with self._admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        self._schema_created = True
        self.model_store = self.options.model_store or self._train_model()
        self._run([str(BIN / "flask"), "--app", "service", "db", "upgrade"], "migrate")
        self.start_worker()
        self.start_web()

    def stop(self) -> None:
        """Stop everything this stack started, drop its schema and remove its folder."""
        for process in (self.web, self.worker):
            if process is not None:
                self._terminate(process)
        self.web = self.worker = None
        self.stop_redis()
        self.engine.dispose()
        if self._schema_created:
            with self._admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self._schema_created = False
        self._admin.dispose()
        for log in self._logs:
            log.close()
        self._logs.clear()
        shutil.rmtree(self.work, ignore_errors=True)

    # -- the parts ----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment of the web and worker processes."""
        options = self.options
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": f"stack-{uuid.uuid4().hex}",
            "MODEL_STORE": str(getattr(self, "model_store", "")),
            "LOG_LEVEL": options.log_level,
            "PENDING_SWEEP_AGE": str(options.sweep_age),
            "FLASK_CELERY__beat_schedule": json.dumps(
                {"sweep-pending": {"task": SWEEP_TASK, "schedule": options.sweep_interval}}
            ),
            "PYTHONPATH": str(ROOT),
        }
        if options.visibility_timeout is not None:
            env["FLASK_CELERY__broker_transport_options"] = json.dumps(
                {"visibility_timeout": options.visibility_timeout}
            )
        env.update(options.env)
        return env

    def start_redis(self) -> None:
        self.redis = self._spawn(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.work),
            ],
            "redis",
        )
        wait_until(self._redis_answers, 20, "redis-server")

    def stop_redis(self) -> None:
        if self.redis is not None:
            self._terminate(self.redis)
            self.redis = None

    def restart_redis(self, down_seconds: float = 1.0) -> None:
        """Stop the private Redis (its queue is lost: no persistence) and start it again."""
        self.stop_redis()
        time.sleep(down_seconds)
        self.start_redis()

    def start_worker(self) -> None:
        options = self.options
        command = [
            str(BIN / "celery"),
            "-A",
            "worker",
            "worker",
            f"--pool={options.worker_pool}",
            f"--concurrency={options.worker_concurrency}",
            f"--loglevel={options.log_level}",
            f"--hostname=stack-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if options.beat:
            command += ["--beat", f"--schedule={self.work / 'beat-schedule'}"]
        self.worker = self._spawn(command, "worker")
        wait_until(self._worker_answers, 120, "Celery worker", interval=0.5)

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool processes at once: a crash, not a shutdown."""
        if self.worker is not None:
            try:
                os.killpg(self.worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.worker.wait()
            self.worker = None

    def start_web(self) -> None:
        options = self.options
        self.web = self._spawn(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(options.web_workers),
                "--worker-class",
                options.web_worker_class,
                "--threads",
                str(options.web_threads),
                "--backlog",
                "2048",
                "service.wsgi:app",
            ],
            "web",
        )
        wait_until(self._web_answers, 60, "gunicorn")

    # -- measurements -------------------------------------------------------------------

    def web_worker_pids(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def worker_pids(self) -> list[int]:
        """The Celery main process and its pool processes."""
        if self.worker is None:
            return []
        return [self.worker.pid, *children(self.worker.pid)]

    def peak_rss(self) -> dict[str, float]:
        """Peak RSS in MB of the largest web worker and the largest Celery process."""
        return {
            "web": max((peak_rss_mb(pid) for pid in self.web_worker_pids()), default=0.0),
            "worker": max((peak_rss_mb(pid) for pid in self.worker_pids()), default=0.0),
        }

    def current_rss(self) -> dict[str, float]:
        """Current RSS in MB of the largest web worker and the largest Celery process."""
        return {
            "web": max((rss_mb(pid) for pid in self.web_worker_pids()), default=0.0),
            "worker": max((rss_mb(pid) for pid in self.worker_pids()), default=0.0),
        }

    def log_text(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- helpers -----------------------------------------------------------------------

    def _train_model(self) -> Path:
        store = self.work / "models"
        self._run(
            [sys.executable, "-m", "models", "--store", str(store), "train", "--if-missing"],
            "model",
        )
        return store

    def _run(self, command: list[str], name: str) -> None:
        result = subprocess.run(
            command, cwd=ROOT, env=self.env(), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{result.stdout}\n{result.stderr}")

    def _spawn(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = open(self.work / f"{name}.log", "ab")  # closed in stop()
        self._logs.append(log)
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: signals reach its children
        )

    @staticmethod
    def _terminate(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()

    def _redis_answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def _worker_answers(self) -> bool:
        assert self.worker is not None
        if self.worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{self.log_text('worker')[-3000:]}")
        from celery import Celery

        client = Celery(broker=self.redis_url)
        try:
            return bool(client.control.ping(timeout=0.5))
        finally:
            client.close()

    def _web_answers(self) -> bool:
        assert self.web is not None
        if self.web.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_text('web')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except urllib.error.URLError:
            return False


def main() -> int:
    """Start a stack and keep it up until Ctrl-C (handy for profiling by hand)."""
    with Stack(StackOptions(beat=True)) as stack:
        print(f"web {stack.base_url}  redis {stack.redis_url}  schema {stack.schema}")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
