"""A private production stack for fault tests: its own PostgreSQL cluster and Redis
server (so stopping them disturbs nothing else on the machine), gunicorn, Celery workers
and beat as real processes. Used by tests/integration/test_faults.py and bench/run.py."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def wait(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # not up yet
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout}s")


class PrivatePostgres:
    def __init__(self, base: Path):
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.dir, self.port = base / "pg", free_port()
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
            shutil.chown(self.dir, "postgres")
        subprocess.run(as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U",
                                    "postgres", "-A", "trust", "--no-sync"]),
                       check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l",
                                    str(self.dir / "log"), "-o",
                                    f"-p {self.port} -k {self.dir} -c fsync=off", *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("start", "-w")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast", "-w")

    def ping(self) -> bool:
        with psycopg.connect(self.url.replace("+psycopg", ""), connect_timeout=1):
            return True


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: socket.create_connection(("127.0.0.1", self.port), 0.5).close() or True,
             10, "redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Stack:
    """gunicorn + Celery workers + beat against a private PostgreSQL and Redis."""
    base: Path
    pg: PrivatePostgres
    redis: PrivateRedis
    web_port: int = field(default_factory=free_port)
    workers: list = field(default_factory=list)
    others: list = field(default_factory=list)

    @property
    def env(self) -> dict:
        return {**os.environ, "DATABASE_URL": self.pg.url, "CELERY_BROKER_URL": self.redis.url,
                "SECRET_KEY": "fault-lab-not-a-real-secret", "MODERATION_WAKE_SECONDS": "1",
                # The pages the posts name as their thread (bench/load.py, bench/phases.py).
                "MODERATION_DEFAULT_ORIGINS": "https://news.example",
                "MODERATION_SWEEP_SECONDS": "1", "PYTHONUNBUFFERED": "1",
                # Hundreds of posts a second from 127.0.0.1 with few emails: no limits.
                "MODERATION_RATE_PER_IP": "off", "MODERATION_RATE_PER_EMAIL": "off"}

    def spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        """Start a process of the stack, logging to base/<name>.log; `env` adds to self.env."""
        log = open(self.base / f"{name}.log", "w")
        return subprocess.Popen(args, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT)

    def start(self, worker_count: int = 2) -> None:
        self.pg.start()
        self.redis.start()
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "flask"), "--app", "moderation", "init-db"], cwd=ROOT,
                       env=self.env, check=True, capture_output=True)
        self.others.append(self.spawn("web", [
            str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{self.web_port}", "--workers", "2",
            "--threads", "4", "--graceful-timeout", "2", "moderation.wsgi:app"]))
        self.others.append(self.spawn("beat", [
            sys.executable, "-m", "celery", "-A", "workers.main", "beat",
            "-s", str(self.base / "beat-schedule"), "--loglevel=info"]))
        for i in range(worker_count):
            self.add_worker(f"w{i}")
        wait(lambda: self.get("/healthz")[0] == 200, 60, "web")

    def add_worker(self, name: str, env: dict | None = None) -> subprocess.Popen:
        process = self.spawn(name, [
            sys.executable, "-m", "celery", "-A", "workers.main", "worker", "--pool=solo",
            "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel=info"], env)
        wait(lambda: " ready." in (self.base / f"{name}.log").read_text(), 180, f"worker {name}")
        self.workers.append(process)
        return process

    def stop(self) -> None:
        for process in [*self.workers, *self.others]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, *self.others]:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        for stop in (self.redis.stop, self.pg.stop):
            try:
                stop()
            except Exception:  # already stopped by a fault
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=15)
        try:
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, data, {"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read()
            try:
                return response.status, json.loads(raw or b"{}")
            except ValueError:
                return response.status, {"raw": raw[:200].decode(errors="replace")}
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict]:
        return self.request("GET", path)

    def post_comment(self, n: int) -> tuple[int, dict]:
        return self.request("POST", "/api/v1/sites/default/threads/faults/comments", {
            "author_name": f"Reader {n}", "author_email": f"r{n}@example.org",
            "body": f"Comment number {n} about the tram line and the council vote."})

    def statuses(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        with psycopg.connect(self.pg.url.replace("+psycopg", "")) as conn:
            rows = conn.execute("SELECT id, status FROM item WHERE id = ANY(%s)", (ids,)).fetchall()
        return dict(rows)


def need_binaries(purpose: str) -> None:
    """Skip the caller's tests without PostgreSQL's server binaries and redis-server, or
    fail them when MODERATION_REQUIRE_SERVICES=1 (CI)."""
    if PG_BIN is not None and shutil.which("redis-server"):
        return
    import pytest
    if os.environ.get("MODERATION_REQUIRE_SERVICES") == "1":
        pytest.fail(f"PostgreSQL server binaries and redis-server are needed for {purpose}")
    pytest.skip("PostgreSQL server binaries or redis-server are not installed")


def new_stack(worker_count: int = 2) -> Stack:
    base = Path(tempfile.mkdtemp(prefix="faultlab-"))
    os.chmod(base, 0o755)
    stack = Stack(base, PrivatePostgres(base), PrivateRedis())
    try:
        stack.start(worker_count)
    except BaseException:
        stack.stop()
        raise
    return stack


@dataclass
class Tally:
    """What happened to the submissions of one fault scenario."""
    name: str
    sent: int = 0
    accepted: list = field(default_factory=list)  # ids answered 202
    refused: dict = field(default_factory=dict)  # status code -> count (503 while down)
    stored: int = 0
    processed: int = 0
    # Seconds from the fault's end (a service back, a worker killed) until the items it
    # held up were processed; None when not measured.
    recovered: float | None = None

    @property
    def lost(self) -> int:
        return len(self.accepted) - self.processed

    def row(self) -> str:
        refused = ", ".join(f"{code}: {n}" for code, n in sorted(self.refused.items())) or "none"
        recovered = f"{self.recovered:8.1f}" if self.recovered is not None else f"{'-':>8}"
        return (f"{self.name:<22} {self.sent:>5} {len(self.accepted):>8} {self.stored:>6} "
                f"{self.processed:>9} {self.lost:>4} {recovered}   refused {refused}")


HEADER = (f"{'scenario':<22} {'sent':>5} {'accepted':>8} {'stored':>6} {'processed':>9} "
          f"{'lost':>4} {'back (s)':>8}")


def submit_for(stack: Stack, tally: Tally, seconds: float, during=None, interval: float = 0.05):
    """Submit comments for `seconds`, calling during(elapsed) between requests."""
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        if during:
            during(elapsed)
        tally.sent += 1
        try:
            status, body = stack.post_comment(tally.sent)
        except OSError:
            status, body = 0, {}
        if status == 202:
            tally.accepted.append(body["id"])
        else:
            tally.refused[status] = tally.refused.get(status, 0) + 1
        time.sleep(interval)


def settle(stack: Stack, tally: Tally, timeout: float = 90) -> Tally:
    """Wait until every accepted item is processed (or timeout), then count."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = stack.statuses(tally.accepted)
        done = sum(1 for s in statuses.values() if s != "received")
        if done == len(tally.accepted) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    tally.stored, tally.processed = len(statuses), done
    return tally


def outage(stack: Stack, name: str, service, seconds: float, down_from: float,
           down_for: float) -> Tally:
    """Keep submitting while `service` is stopped from down_from for down_for seconds;
    `recovered` is how long after it came back the posts accepted while it was down
    were all processed."""
    tally, state = Tally(f"{name} %.0fs" % down_for), {"phase": "up", "during": []}

    def during(elapsed):
        if state["phase"] == "up" and elapsed >= down_from:
            service.stop()
            state["phase"], state["first"] = "down", len(tally.accepted)
        elif state["phase"] == "down" and elapsed >= down_from + down_for:
            service.start()
            state["phase"], state["back_at"] = "back", time.monotonic()
            state["during"] = tally.accepted[state["first"]:]
    submit_for(stack, tally, seconds, during)
    if state.get("during"):
        done_at = processed_at(stack, state["during"])
        if done_at is not None:
            tally.recovered = max(done_at - state["back_at"], 0.0)
    return settle(stack, tally)


def processed_at(stack: Stack, ids: list[int], timeout: float = 90) -> float | None:
    """The moment (time.monotonic) all of ids had left `received`, None after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(status != "received" for status in stack.statuses(ids).values()):
            return time.monotonic()
        time.sleep(0.1)
    return None


def redis_outage(stack: Stack, seconds: float = 20, down_from: float = 4, down_for: float = 10) -> Tally:
    return outage(stack, "redis stopped", stack.redis, seconds, down_from, down_for)


def worker_killed(stack: Stack, burst: int = 300) -> Tally:
    """SIGKILL a worker in the middle of a batch, while its transaction holds the rows
    it claimed: the rows unlock with its connection and the other workers take them on.
    `recovered` is how long after the kill every item locked at that moment (the
    victim's batch among them) was processed."""
    tally = Tally("worker SIGKILLed")
    victim = stack.add_worker("victim", {"DATABASE_URL": stack.pg.url + "?application_name=victim"})
    for n in range(burst):  # a backlog, so every worker is busy in a batch
        status, body = stack.post_comment(n)
        tally.sent += 1
        if status == 202:
            tally.accepted.append(body["id"])
    wait(lambda: _in_a_batch(stack, "victim"), 60, "the victim to claim a batch", 0.005)
    locked = _locked_received(stack)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(10)
    stack.workers.remove(victim)
    done_at = processed_at(stack, locked)
    if done_at is not None:
        tally.recovered = done_at - killed_at
    submit_for(stack, tally, 3)
    return settle(stack, tally)


def _in_a_batch(stack: Stack, application: str) -> bool:
    """Does that process's connection hold a transaction with claimed rows?"""
    with psycopg.connect(stack.pg.url.replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT state FROM pg_stat_activity WHERE application_name = %s "
                           "AND xact_start IS NOT NULL", (application,)).fetchone()
    return row is not None and len(_locked_received(stack)) > 0


def _locked_received(stack: Stack) -> list[int]:
    """Received items whose rows some transaction holds (what SKIP LOCKED skips)."""
    with psycopg.connect(stack.pg.url.replace("+psycopg", "")) as conn:
        waiting = {r[0] for r in conn.execute("SELECT id FROM item WHERE status = 'received'")}
        free = {r[0] for r in conn.execute(
            "SELECT id FROM item WHERE status = 'received' FOR UPDATE SKIP LOCKED")}
        conn.rollback()
    return sorted(waiting - free)


def postgres_restart(stack: Stack, seconds: float = 16, down_from: float = 3, down_for: float = 6) -> Tally:
    return outage(stack, "postgres down", stack.pg, seconds, down_from, down_for)
