"""The bare Flask apps the service is measured against (`gunicorn --pythonpath bench
ceiling:app`): what the framework, PostgreSQL and Redis cost with nothing of ours.

- GET  /hello                 Flask's hello-world.
- POST /insert                read a JSON comment, INSERT it (autocommit) into a table of
                              the CEILING_DATABASE_URL database, LPUSH its id to Redis, 202.
- GET  /bytes/<size>          `size` bytes of JSON held in memory, the floor of any answer
                              that size (what moving the bytes costs, on both sides).
- GET  /json/<thread_key>     the approved comments of one of the service's threads (from
                              PRODUCT_DATABASE_URL, the same rows the service serves) as
                              JSON: one query, a dict per row, json.dumps. No cache.

One psycopg connection per thread (gunicorn's threads), no ORM, no validation beyond
"the fields are there": a floor to compare with, not a product."""
import json
import os
import threading
from datetime import UTC, datetime

import psycopg
import redis
from flask import Flask, Response, abort, jsonify, request

SCHEMA = """
CREATE TABLE IF NOT EXISTS comment (
    id bigserial PRIMARY KEY,
    thread_key text NOT NULL,
    author_name text NOT NULL,
    author_email text NOT NULL,
    body text NOT NULL,
    ip text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    created_at timestamp NOT NULL
);
CREATE INDEX IF NOT EXISTS comment_thread ON comment (thread_key, created_at);
"""

THREAD_ROWS = """
SELECT i.id, i.parent_id, i.author_name, i.body_html, i.created_at
FROM item i JOIN thread t ON t.id = i.thread_id JOIN site s ON s.id = t.site_id
WHERE s.key = 'default' AND t.key = %s AND i.status = 'approved' ORDER BY i.id
"""

app = Flask(__name__)
_local = threading.local()
_redis = redis.Redis.from_url(os.environ.get("CEILING_REDIS_URL", "redis://127.0.0.1:6379/0"))


def _connection(name: str) -> psycopg.Connection:
    conn = getattr(_local, name, None)
    if conn is None or conn.closed:
        url = os.environ[f"{name.upper()}_DATABASE_URL"].replace("+psycopg", "")
        conn = psycopg.connect(url, autocommit=True)
        setattr(_local, name, conn)
    return conn


@app.get("/hello")
def hello():
    return "Hello, World!"


@app.get("/bytes/<int:size>")
def sized(size: int):
    body = _sized.get(size)
    if body is None:
        body = _sized[size] = b'"' + b"x" * max(size - 2, 0) + b'"'
    return Response(body, mimetype="application/json")


_sized: dict[int, bytes] = {}


@app.post("/insert")
def insert():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) and data[k] for k in ("author_name", "author_email", "body")):
        abort(422)
    row = _connection("ceiling").execute(
        "INSERT INTO comment (thread_key, author_name, author_email, body, ip, user_agent, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        ("intake", data["author_name"], data["author_email"], data["body"],
         request.remote_addr or "", request.headers.get("User-Agent", ""),
         datetime.now(UTC).replace(tzinfo=None))).fetchone()
    _redis.lpush("ceiling", json.dumps({"id": row[0]}))
    return jsonify(id=row[0], status="received"), 202


@app.get("/json/<path:thread_key>")
def thread_json(thread_key: str):
    rows = _connection("product").execute(THREAD_ROWS, (thread_key,)).fetchall()
    comments = [{"id": r[0], "parent_id": r[1], "author_name": r[2], "html": r[3] or "",
                 "created_at": r[4].isoformat()} for r in rows]
    return Response(json.dumps({"comments": comments}), mimetype="application/json")


def create_schema(url: str) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(SCHEMA)
