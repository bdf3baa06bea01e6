"""Integration layer: a real PostgreSQL database (created for this run and dropped after),
a real Redis broker and a real `celery worker` process. Skips when the services are not
reachable, unless MODERATION_REQUIRE_SERVICES=1 (CI), where it fails."""
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis

from moderation import create_app
from moderation.extensions import db
from moderation.sites import ensure_default

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("MODERATION_REQUIRE_SERVICES") == "1"
PG_HOST, REDIS_URL = "127.0.0.1", "redis://127.0.0.1:6379/11"
# A queue of this run's own, so parallel runs sharing the Redis never take each other's tasks.
QUEUE = f"moderation-test-{os.getpid()}-{secrets.token_hex(3)}"
SECRET = "integration-secret"


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (MODERATION_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def pg_connect(dbname="postgres"):
    errors = []
    for user in ("postgres", "root"):
        try:
            conn = psycopg.connect(host=PG_HOST, user=user, dbname=dbname, connect_timeout=3,
                                   autocommit=True)
            return conn, user
        except psycopg.OperationalError as exc:
            errors.append(str(exc).strip())
    raise ConnectionError("; ".join(errors))


@pytest.fixture(scope="session")
def pg_url():
    try:
        admin, user = pg_connect()
    except ConnectionError as exc:
        unavailable(f"PostgreSQL at {PG_HOST}:5432 is not reachable: {exc}")
    name = f"moderation_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://{user}@{PG_HOST}:5432/{name}"
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def broker_url():
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is not reachable: {exc}")
    yield REDIS_URL
    client.delete(QUEUE)


@pytest.fixture(scope="session")
def service_env(pg_url, broker_url):
    # The tests' webhook receivers listen on 127.0.0.1, as an intranet CMS would.
    return {**os.environ, "DATABASE_URL": pg_url, "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": SECRET, "MODERATION_TASK_QUEUE": QUEUE,
            "MODERATION_WEBHOOK_PRIVATE": "1"}


def production_app(env: dict, **overrides):
    """An app configured from a production environment, as gunicorn's would be (tests
    post freely: no intake limits unless asked)."""
    return create_app({"TESTING": True, "MODERATION_RATE_PER_IP": "off",
                       "MODERATION_RATE_PER_EMAIL": "off", **overrides}, env=env)


@pytest.fixture(scope="session")
def pg_app(service_env):
    """The web app in production mode: PostgreSQL, Redis, schema from the migrations."""
    from flask_migrate import upgrade
    app = production_app(service_env)
    with app.app_context():
        upgrade()
        ensure_default(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start_worker(env: dict, name: str, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.main", "worker", "--pool=solo",
         "--loglevel=info", "-n", f"{name}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited: {log_path.read_text()[-2000:]}")
        if " ready." in log_path.read_text():
            return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"worker did not start: {log_path.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def worker(service_env, pg_app, tmp_path_factory):
    process = start_worker(service_env, "it", tmp_path_factory.mktemp("worker") / "worker.log")
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s")
