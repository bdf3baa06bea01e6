"""The processes of one benchmark run: a private PostgreSQL and Redis (faultlab), gunicorn
for the service, the bare Flask apps and Isso, and a Celery worker."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from tests.integration import faultlab

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ISSO_VENV = BENCH / ".isso-venv"
ISSO_VERSION = "0.14.0"
# The README's production command, for every server measured: 2 processes (2 cores) with 4
# threads each, which keeps connections alive and overlaps database round trips.
GUNICORN = "--workers 2 --threads 4"
INTAKE_QUEUE, WORK_QUEUE = "bench-intake", "bench-work"  # nothing consumes the first


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def num(value: float, width: int) -> str:
    """A figure with the decimals that keep it readable: 1234, 56.7, 0.38, 0.0042."""
    if value is None:
        return "-".rjust(width)
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 0.1 else 4
    return f"{value:>{width}.{digits}f}"


def ensure_isso() -> Path:
    """bench/.isso-venv with Isso 0.14.0 and the service's gunicorn version, made with
    this same python when missing."""
    python = ISSO_VENV / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; print(m.version('isso'))"]
    if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() \
            == ISSO_VERSION and (ISSO_VENV / "bin" / "gunicorn").exists():
        return ISSO_VENV / "bin"
    log(f"installing Isso {ISSO_VERSION} into {ISSO_VENV.relative_to(ROOT)}")
    subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}",
                    f"gunicorn=={metadata.version('gunicorn')}"], check=True)
    return ISSO_VENV / "bin"


def http_status(port: int, path: str) -> int:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def http_get(port: int, path: str) -> tuple[int, dict, bytes]:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Lab:
    """The processes of one run, started as the phases need them."""

    def __init__(self, gunicorn_args: str):
        self.gunicorn = gunicorn_args.split()
        base = Path(tempfile.mkdtemp(prefix="bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
        # On tmpfs: PostgreSQL runs with fsync=off (faultlab) and Isso's SQLite fsyncs every
        # commit, so both get storage where a flush costs nothing.
        os.chmod(base, 0o755)
        self.base = base
        self.pg, self.redis = faultlab.PrivatePostgres(base), faultlab.PrivateRedis()
        self.stack = faultlab.Stack(base, self.pg, self.redis)
        self.ports: dict[str, int] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self.worker = None
        self.app = None

    # services
    def start_services(self) -> None:
        self.pg.start()
        self.redis.start()
        env = self.stack.env
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY")})
        os.environ["MODERATION_TASK_QUEUE"] = WORK_QUEUE
        subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "moderation",
                        "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
        from moderation import create_app
        self.app = create_app()

    @property
    def postmaster(self) -> int:
        return int((self.pg.dir / "data" / "postmaster.pid").read_text().split()[0])

    def _gunicorn(self, name: str, bin_dir: Path, target: list[str], env: dict,
                  ready_path: str) -> None:
        port = faultlab.free_port()
        self.procs[name] = self.stack.spawn(name, [
            str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", *self.gunicorn,
            "--graceful-timeout", "2", *target], env)
        self.stack.others.append(self.procs[name])
        self.ports[name] = port
        faultlab.wait(lambda: http_status(port, ready_path) < 500, 90, name)

    def start_web(self) -> None:
        """The service twice (with and without its page cache), the bare Flask apps, Isso."""
        if "web" in self.procs:
            return
        bin_dir = Path(sys.executable).parent
        for name, extra in (("web", {}), ("web_fresh", {"MODERATION_PAGE_CACHE_SIZE": "0"})):
            self._gunicorn(name, bin_dir, ["moderation.wsgi:app"],
                           {"MODERATION_TASK_QUEUE": INTAKE_QUEUE, **extra}, "/healthz")
        self._gunicorn("ceiling", bin_dir, ["--pythonpath", str(BENCH), "ceiling:app"],
                       {"PRODUCT_DATABASE_URL": self.pg.url}, "/hello")
        isso_bin = ensure_isso()
        config = self.base / "isso.cfg"
        config.write_text((BENCH / "isso.cfg").read_text().format(
            dbpath=self.base / "isso.sqlite3",
            host=f"http://127.0.0.1:{faultlab.free_port()}"))  # nobody there: no start-up wait
        self._gunicorn("isso", isso_bin, ["isso.run"], {"ISSO_SETTINGS": str(config)}, "/info")

    def start_worker(self) -> None:
        if self.worker is None:
            self.worker = self.stack.add_worker("worker", {"MODERATION_TASK_QUEUE": WORK_QUEUE})

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def roots(self, name: str) -> list[int]:
        """The processes whose CPU counts for a target: its gunicorn, and for the service
        and the ceiling app also PostgreSQL and Redis."""
        pids = [self.procs[name].pid]
        if name != "isso":
            pids += [self.postmaster, self.redis.process.pid]
        return pids

    def drop_queues(self) -> None:
        import redis
        redis.Redis.from_url(self.redis.url).delete(INTAKE_QUEUE)

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGCONT)
        self.stack.stop()
