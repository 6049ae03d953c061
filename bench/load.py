"""The benchmark: the production shape under `wrk`, side by side with Isso, in one table.

    python bench/load.py            # full run (`make bench`, a few minutes)
    python bench/load.py --smoke    # seconds: the harness still works (CI)
    python bench/load.py --soak 600 # 100 comments/s with readers; errors and RSS over time

Starts our stack (`bench/stack.py`: gunicorn, Celery worker, private Redis, a fresh
PostgreSQL schema) and Isso (PyPI `isso` in its own virtualenv under `bench/work/`,
under gunicorn with the same worker count and class), with rate limits and bot
checks off on both. Each row alternates the two servers so machine noise hits both.
Prints one table and writes `bench/results/latest.json` (keys in bench/README.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import Stack  # noqa: E402
from bench.stack import StackOptions  # noqa: E402
from bench.stack import free_port  # noqa: E402
from bench.stack import peak_rss_mb  # noqa: E402
from bench.stack import wait_until  # noqa: E402
from service.db import Comment  # noqa: E402
from service.db import CommentStatus  # noqa: E402
from service.db import Thread  # noqa: E402

HERE = Path(__file__).resolve().parent
LUA = HERE / "lua"
WORK = HERE / "work"
RESULTS = HERE / "results" / "latest.json"
ISSO_VERSION = "0.14.0"
POST_PATH = "/api/v1/comments"
READ_THREAD = "/blog/bench-thread"
THREAD_SIZE = 100
BENCH_ENV = {
    # The bench measures the service, not its abuse defences (both off, as Isso's guard).
    "FLASK_RATELIMIT_ENABLED": "false",
    "FLASK_REQUIRE_FORM_TOKEN": "false",
}


@dataclass
class Figures:
    """One wrk run: requests per second and latency percentiles in ms."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def as_dict(self) -> dict[str, float]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
        }


def wrk(base_url: str, script: str, args: list[str], connections: int, seconds: float) -> Figures:
    """Run wrk with one of bench/lua's scripts and read the JSON line its `done` writes."""
    threads = max(1, min(connections, 2))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        base_url,
        "--",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    return Figures(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=data["status_errors"] + data["socket_errors"],
    )


# -- Isso -------------------------------------------------------------------------------


class Isso:
    """Isso under gunicorn with its guard off, in a virtualenv under bench/work/."""

    def __init__(self, workers: int, worker_class: str) -> None:
        self.venv = WORK / "isso-venv"
        self.work = Path(tempfile.mkdtemp(prefix="isso-", dir=WORK))
        self.port = free_port()
        self.workers = workers
        self.worker_class = worker_class
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def install(self) -> None:
        python = self.venv / "bin" / "python"
        if (self.venv / "bin" / "gunicorn").exists() and (self.venv / "bin" / "isso").exists():
            return
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"],
            check=True,
        )

    def start(self) -> None:
        self.install()
        config = self.work / "isso.cfg"
        config.write_text(
            "[general]\n"
            f"dbpath = {self.work / 'comments.db'}\n"
            "host = http://127.0.0.1:9/\n"
            "[moderation]\nenabled = false\n"
            "[guard]\nenabled = false\n"
        )
        log = open(self.work / "isso.log", "ab")  # closed with the process at exit
        self.process = subprocess.Popen(
            [
                str(self.venv / "bin" / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                self.worker_class,
                "--backlog",
                "2048",
                "isso.run:application",
            ],
            cwd=self.work,
            env={**os.environ, "ISSO_SETTINGS": str(config)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._answers, 60, "Isso")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        shutil.rmtree(self.work, ignore_errors=True)

    def peak_rss(self) -> float:
        from bench.stack import children

        if self.process is None:
            return 0.0
        return max((peak_rss_mb(pid) for pid in children(self.process.pid)), default=0.0)

    def seed_thread(self, uri: str, count: int) -> None:
        for i in range(count):
            status, _ = post_json(
                self.base_url,
                f"/new?uri={uri}",
                {"text": f"Seed comment {i}: *thank you* for the article.", "title": "Bench"},
            )
            assert status == 201, status

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError((self.work / "isso.log").read_text()[-3000:])
        try:
            urllib.request.urlopen(f"{self.base_url}/info", timeout=2).close()
        except urllib.error.HTTPError:
            pass  # any answer means it is up
        return True


# -- our service ------------------------------------------------------------------------


def post_json(base_url: str, path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base_url + path, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def seed_our_thread(stack: Stack, uri: str, count: int) -> str:
    """`count` published comments in one thread; returns the listing's ETag."""
    for i in range(count):
        status, _ = post_json(
            stack.base_url,
            POST_PATH,
            {"thread": uri, "author": "Seed", "body": f"Seed comment {i}: *thank you*."},
        )
        assert status == 202, status
    wait_drained(stack)
    # Published whatever the classifier said: the listing must show exactly `count`.
    with stack.engine.begin() as connection:
        connection.execute(
            sa.update(Comment)
            .where(Comment.thread_id.in_(sa.select(Thread.id).where(Thread.uri == uri)))
            .values(status=CommentStatus.PUBLISHED)
        )
    with urllib.request.urlopen(f"{stack.base_url}{our_thread_path(uri)}") as response:
        listing = json.loads(response.read())
        etag = response.headers["ETag"]
    assert listing["total"] == count, listing["total"]
    return str(etag)


def our_thread_path(uri: str) -> str:
    return f"/api/v1/comments?thread={uri}&per_page={THREAD_SIZE}"


def pending_count(stack: Stack) -> int:
    with stack.engine.connect() as connection:
        return int(
            connection.scalar(
                sa.select(sa.func.count(Comment.id)).where(Comment.status == CommentStatus.PENDING)
            )
            or 0
        )


def wait_drained(stack: Stack, timeout: float = 300) -> None:
    """Until the worker has decided every comment (the next row starts with an empty queue)."""
    wait_until(lambda: pending_count(stack) == 0, timeout, "the worker's backlog", interval=0.2)


def thread_timing(stack: Stack, uri: str) -> tuple[datetime, datetime, datetime, int]:
    """First created, first decided, last decided and count of one thread's comments."""
    with stack.engine.connect() as connection:
        row = connection.execute(
            sa.select(
                sa.func.min(Comment.created_at),
                sa.func.min(Comment.decided_at),
                sa.func.max(Comment.decided_at),
                sa.func.count(Comment.id),
            )
            .join(Thread, Thread.id == Comment.thread_id)
            .where(Thread.uri == uri)
        ).one()
    return row[0], row[1], row[2], int(row[3])


def pipeline_rate(stack: Stack, thread_uri: str) -> float:
    """Comments of one thread decided per second, from the first created to the last decided."""
    created, _, last, count = thread_timing(stack, thread_uri)
    return float(count / (last - created).total_seconds()) if count else 0.0


def worker_drain_rate(stack: Stack, seconds: float) -> dict[str, float]:
    """The worker alone at saturation: queue comments while it is down, then time the drain."""
    uri = "/blog/drain"
    stack.kill_worker()
    wrk(stack.base_url, "post.lua", ["ours", POST_PATH, uri], 8, seconds)
    stack.start_worker()
    wait_drained(stack)
    _, first, last, count = thread_timing(stack, uri)
    elapsed = (last - first).total_seconds() if count > 1 else 0.0
    return {"per_s": round(count / elapsed, 1) if elapsed else 0.0, "comments": count}


def decision_latency(stack: Stack, rate: float, seconds: float, uri: str) -> dict[str, float]:
    """POST at a steady `rate` (open loop), then time each comment from send to decision."""
    count = max(1, int(rate * seconds))
    run = uuid.uuid4().hex[:8]
    sent: dict[int, float] = {}
    errors = [0]
    lock = threading.Lock()
    next_index = [0]
    start = time.time() + 0.2
    host, port = stack.base_url.removeprefix("http://").split(":")

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= count:
                break
            due = start + index / rate
            time.sleep(max(0.0, due - time.time()))
            text = f"Paced comment {uri} {run} {index}."  # never a duplicate (409)
            payload = {"thread": uri, "author": "Rate", "body": text}
            began = time.time()
            try:
                connection.request(
                    "POST", POST_PATH, json.dumps(payload), {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                errors[0] += 1
                continue
            if response.status == 202:
                with lock:
                    sent[json.loads(body)["id"]] = began
            else:
                errors[0] += 1
        connection.close()

    clients = [threading.Thread(target=client) for _ in range(32)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    wait_drained(stack)
    with stack.engine.connect() as connection:
        rows = connection.execute(
            sa.select(Comment.id, Comment.decided_at).where(Comment.id.in_(list(sent)))
        ).all()
    decided = {row.id: row.decided_at for row in rows}
    latencies = sorted(
        (as_utc(moment).timestamp() - sent[i]) * 1000
        for i, moment in decided.items()
        if moment is not None
    )
    span = max(sent.values()) - min(sent.values()) if len(sent) > 1 else 0.0
    return {
        "rate": rate,
        # Below `rate` when the web cannot take that many POSTs: then latency includes queueing.
        "achieved_rate": round((len(sent) - 1) / span, 1) if span else 0.0,
        "comments": len(latencies),
        "errors": errors[0],
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
    }


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


# -- the run ----------------------------------------------------------------------------


@dataclass
class Plan:
    seconds: float
    connections_post: tuple[int, ...]
    connections_get: tuple[int, ...]
    rates: tuple[float, ...]
    rate_seconds: float
    classifier_repeat: int
    isso: bool
    thread_size: int = THREAD_SIZE


FULL = Plan(8, (1, 8, 32), (8, 32), (50, 200), 20, 2, True)
SMOKE = Plan(1, (8,), (8,), (20,), 1, 0, False, thread_size=10)
#: `--scaling`: the same rows with 1 and then 2 gunicorn workers and Celery processes.
SCALING = Plan(8, (8, 32), (8,), (), 0, 0, False)


def run(plan: Plan, options: StackOptions) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    isso = Isso(options.web_workers, options.web_worker_class) if plan.isso else None
    with Stack(options) as stack:
        try:
            if isso is not None:
                isso.start()
                isso.seed_thread(READ_THREAD, plan.thread_size)
            etag = seed_our_thread(stack, READ_THREAD, plan.thread_size)
            for conns in plan.connections_post:
                uri = f"/blog/post-c{conns}"
                ours = wrk(
                    stack.base_url, "post.lua", ["ours", POST_PATH, uri], conns, plan.seconds
                )
                wait_drained(stack)
                if conns == max(plan.connections_post):
                    rows["pipeline"] = {"ours": {"per_s": round(pipeline_rate(stack, uri), 1)}}
                peer = None
                if isso is not None:
                    peer = wrk(isso.base_url, "post.lua", ["isso", f"/new?uri={uri}"], conns,
                               plan.seconds)  # fmt: skip
                rows[f"post_c{conns}"] = compare(ours, peer)
            for conns in plan.connections_get:
                ours = wrk(stack.base_url, "get.lua", [our_thread_path(READ_THREAD)], conns,
                           plan.seconds)  # fmt: skip
                raw = rendered = None
                if isso is not None:
                    raw = wrk(isso.base_url, "get.lua", [f"/?uri={READ_THREAD}&plain=1"], conns,
                              plan.seconds)  # fmt: skip
                    rendered = wrk(isso.base_url, "get.lua", [f"/?uri={READ_THREAD}"], conns,
                                   plan.seconds)  # fmt: skip
                rows[f"get_thread_c{conns}"] = compare(ours, raw)
                rows[f"get_thread_rendered_c{conns}"] = compare(ours, rendered)
            conns = max(plan.connections_get)
            not_modified = wrk(
                stack.base_url, "get.lua", [our_thread_path(READ_THREAD), etag], conns, plan.seconds
            )
            rows[f"get_thread_304_c{conns}"] = compare(not_modified, None)
            for rate in plan.rates:
                rows[f"decision_latency_{rate:.0f}_per_s"] = {
                    "ours": decision_latency(
                        stack, rate, plan.rate_seconds, f"/blog/rate-{rate:.0f}"
                    )
                }
            memory = stack.peak_rss()  # before the drain row restarts the worker
            rows["pipeline_worker_drain"] = {"ours": worker_drain_rate(stack, plan.seconds)}
            memory["worker"] = max(memory["worker"], stack.peak_rss()["worker"])
            rows["rss_web_mb"] = {"ours": round(memory["web"], 1)}
            rows["rss_worker_mb"] = {"ours": round(memory["worker"], 1)}
            if isso is not None:
                peer_rss = round(isso.peak_rss(), 1)
                rows["rss_web_mb"]["isso"] = peer_rss
                rows["rss_web_mb"]["ratio"] = round(memory["web"] / peer_rss, 2)
        finally:
            if isso is not None:
                isso.stop()
    if plan.classifier_repeat:
        from bench.classifier import measure

        figures = measure(plan.classifier_repeat)
        rows["classifier_batch_per_s"] = {"ours": round(figures["batch_per_s"], 1)}
        rows["classifier_single_p99_ms"] = {"ours": round(figures["single_p99_ms"], 2)}
    return rows


def compare(ours: Figures, peer: Figures | None) -> dict[str, Any]:
    row: dict[str, Any] = {"ours": ours.as_dict()}
    if peer is not None:
        row["isso"] = peer.as_dict()
        row["ratio"] = {
            "rps": round(ours.rps / peer.rps, 2) if peer.rps else None,
            "p99": round(ours.p99_ms / peer.p99_ms, 2) if peer.p99_ms else None,
        }
    return row


# -- the table --------------------------------------------------------------------------


def describe(figure: Any) -> str:
    if figure is None:
        return "-"
    if isinstance(figure, int | float):
        return f"{figure:,.1f}"
    if "rps" in figure:
        errors = f" ({figure['errors']} err)" if figure.get("errors") else ""
        return (
            f"{figure['rps']:,.0f}/s p50 {figure['p50_ms']:.1f} p99 {figure['p99_ms']:.1f}{errors}"
        )
    if "rate" in figure:
        sent = f"{figure['rate']:.0f}/s offered"
        if "achieved_rate" in figure:
            sent += f", {figure['achieved_rate']:.0f}/s sent"
        return f"p50 {figure['p50_ms']:,.0f} ms  p99 {figure['p99_ms']:,.0f} ms ({sent})"
    if "per_s" in figure:
        return f"{figure['per_s']:,.0f}/s"
    return json.dumps(figure)


def ratio_text(ratio: Any) -> str:
    if ratio is None:
        return "-"
    if isinstance(ratio, dict):
        return f"{ratio['rps']}x rps, p99 {ratio['p99']}x"
    return f"{ratio}x"


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    width = max(len(key) for key in rows)
    print(f"\n{'row':<{width}}  {'ours':<42} {'isso':<42} ratio (ours/isso)")
    for key, row in rows.items():
        print(
            f"{key:<{width}}  {describe(row.get('ours')):<42} {describe(row.get('isso')):<42} "
            f"{ratio_text(row.get('ratio'))}"
        )
    print("latencies in ms; rps = requests/s; decision latency = POST sent -> final status")


def markdown_table(rows: dict[str, dict[str, Any]]) -> str:
    """The table for bench/README.md (`python bench/load.py --markdown` reads latest.json)."""
    lines = ["| row | ours | Isso 0.14 | ratio (ours/Isso) |", "|---|---|---|---|"]
    for key, row in rows.items():
        lines.append(
            f"| `{key}` | {describe(row.get('ours'))} | {describe(row.get('isso'))} "
            f"| {ratio_text(row.get('ratio'))} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        # Other work on the machine skews every figure; the ratios to Isso less so.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


# -- soak --------------------------------------------------------------------------------


def soak(seconds: float, options: StackOptions, rate: float = 100.0) -> dict[str, Any]:
    """`rate` comments/s and readers loading a thread; errors and RSS every 30 s."""
    samples: list[dict[str, Any]] = []
    with Stack(options) as stack:
        etag = seed_our_thread(stack, READ_THREAD, THREAD_SIZE)
        del etag
        stop = threading.Event()
        errors = {"post": 0, "get": 0}

        def readers() -> None:
            while not stop.is_set():
                try:
                    path = our_thread_path(READ_THREAD)
                    urllib.request.urlopen(stack.base_url + path, timeout=10).close()
                except OSError:
                    errors["get"] += 1
                time.sleep(0.05)

        reader_threads = [threading.Thread(target=readers) for _ in range(2)]
        for thread in reader_threads:
            thread.start()
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                window = decision_latency(stack, rate, min(30, seconds), "/blog/soak")
                errors["post"] += int(window["errors"])
                sample = {
                    "t_s": round(time.monotonic() - started),
                    "comments": window["comments"],
                    "achieved_rate": window["achieved_rate"],
                    "decision_p99_ms": window["p99_ms"],
                    "errors": dict(errors),
                    "rss_mb": {k: round(v, 1) for k, v in stack.current_rss().items()},
                    "pending": pending_count(stack),
                }
                samples.append(sample)
                print(json.dumps(sample), flush=True)
        finally:
            stop.set()
            for thread in reader_threads:
                thread.join()
    return {"seconds": seconds, "rate": rate, "samples": samples}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="seconds, no Isso (CI)")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="soak test instead")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--web-class", default="sync")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument("--scaling", action="store_true", help="1 vs 2 web and worker processes")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--markdown", action="store_true", help="print latest.json as Markdown")
    args = parser.parse_args()
    if args.markdown:
        print(markdown_table(json.loads(args.output.read_text())["rows"]))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on `kill`
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    options = StackOptions(
        web_workers=args.web_workers,
        web_worker_class=args.web_class,
        worker_concurrency=args.worker_concurrency,
        env=BENCH_ENV,
    )
    WORK.mkdir(exist_ok=True)
    if args.soak:
        result = soak(args.soak, options)
        output = args.output.with_name("soak.json")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2) + "\n")
        return 0
    if args.scaling:
        scaling = {}
        for processes in (1, 2):
            options.web_workers = options.worker_concurrency = processes
            rows = run(SCALING, options)
            print(f"\n{processes} gunicorn worker(s), {processes} Celery process(es)")
            print_table(rows)
            scaling[str(processes)] = rows
        output = args.output.with_name("scaling.json")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(scaling, indent=2) + "\n")
        return 0
    plan = SMOKE if args.smoke else FULL
    if args.no_isso:
        plan.isso = False
    began = time.monotonic()
    load_before = machine()["load_average_1m"]
    rows = run(plan, options)
    print_table(rows)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", *sys.argv]),
        "machine": machine() | {"load_average_1m_before": load_before},
        "setup": {
            "web": f"gunicorn {options.web_workers} x {options.web_worker_class}",
            "worker": f"celery {options.worker_pool} x {options.worker_concurrency}",
            "isso": ISSO_VERSION if plan.isso else None,
        },
        "seconds": round(time.monotonic() - began),
        "rows": rows,
    }
    if not args.smoke:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.output}")
    print(f"{result['seconds']} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
