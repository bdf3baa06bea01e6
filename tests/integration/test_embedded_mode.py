"""The embedded default as `make run` starts it (`flask serve`: waitress and a Celery
worker with beat, SQLite, no other service) in a folder of its own: a post is answered
`received` at once and processed by the background worker, not in the request; and 16
clients that send headers and one byte of a body hold no thread, so /healthz answers."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.faultlab import free_port, wait

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("embedded")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY")}
    env.update(MODERATION_INSTANCE_PATH=str(instance), FLASK_APP="moderation",
               MODERATION_WAKE_SECONDS="1", PYTHONUNBUFFERED="1")
    subprocess.run([FLASK, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = open(instance / "serve.log", "w")
    process = subprocess.Popen([FLASK, "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait(lambda: request(port, "GET", "/healthz")[0] == 200, 60, "flask serve")
        yield port, instance
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # waitress and its worker
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def request(port: int, method: str, path: str, body: dict | None = None, timeout: float = 10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, json.dumps(body) if body else None,
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_a_post_is_answered_at_once_and_processed_by_the_background_worker(server):
    port, instance = server
    status, answer = request(port, "POST", "/api/v1/sites/default/threads/embedded/comments", {
        "author_name": "Ada", "author_email": "ada@example.org",
        "body": "A calm remark about the tram line."})
    assert status == 202 and answer["status"] == "received"
    assert (instance / "moderation.sqlite3").exists() and (instance / "secret_key").exists()

    def processed():
        return request(port, "GET", f"/api/v1/status/{answer['status_token']}")[1]["status"] \
            != "received"
    wait(processed, 120, "the background worker to process the comment", 0.5)
    assert request(port, "GET", "/healthz") == (200, {"status": "ok", "database": "ok",
                                                      "broker": "ok"})


def test_slow_clients_hold_no_thread(server):
    port, _ = server
    slow = []
    try:
        for _ in range(16):
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection.sendall(b"POST /api/v1/sites/default/threads/slow/comments HTTP/1.1\r\n"
                               b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 5000\r\n\r\n{")
            slow.append(connection)
        time.sleep(0.5)
        started = time.monotonic()
        assert request(port, "GET", "/healthz", timeout=10)[0] == 200
        print(f"\n/healthz answered in {time.monotonic() - started:.3f} s beside 16 slow clients")
    finally:
        for connection in slow:
            connection.close()


def test_stopping_serve_stops_its_worker(tmp_path):
    """A service manager sends SIGTERM to `flask serve` alone: its worker and beat go
    with it, and nothing of the session is left running."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY")}
    env.update(MODERATION_INSTANCE_PATH=str(tmp_path), FLASK_APP="moderation")
    subprocess.run([FLASK, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([FLASK, "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait(lambda: request(port, "GET", "/healthz")[0] == 200, 60, "flask serve")
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        wait(lambda: not alive(process.pid), 30, "the worker to stop")
    finally:
        if alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def alive(group: int) -> bool:
    """Whether any process of this process group is still running."""
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
