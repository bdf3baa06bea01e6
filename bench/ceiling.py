"""The bare Flask apps the service is measured against (`gunicorn --pythonpath bench
ceiling:app`): what the framework, PostgreSQL and Redis cost with nothing of ours.

- GET  /hello                 Flask's hello-world.
- GET  /bytes/<size>          `size` bytes of JSON held in memory, the floor of any answer
                              that size (what moving the bytes costs, on both sides).
- GET  /json/<thread_key>     the approved comments of one of the service's threads (from
                              PRODUCT_DATABASE_URL, the same rows the service serves) as
                              JSON: one query, a dict per row, json.dumps. No cache.

One psycopg connection per thread (gunicorn's threads), no ORM: a floor to compare with,
not a product."""
import json
import os
import threading

import psycopg
from flask import Flask, Response

THREAD_ROWS = """
SELECT i.id, i.parent_id, i.author_name, i.body_html, i.created_at
FROM item i JOIN thread t ON t.id = i.thread_id JOIN site s ON s.id = t.site_id
WHERE s.key = 'default' AND t.key = %s AND i.status = 'approved' ORDER BY i.id
"""

app = Flask(__name__)
_local = threading.local()


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


@app.get("/json/<path:thread_key>")
def thread_json(thread_key: str):
    rows = _connection("product").execute(THREAD_ROWS, (thread_key,)).fetchall()
    comments = [{"id": r[0], "parent_id": r[1], "author_name": r[2], "html": r[3] or "",
                 "created_at": r[4].isoformat()} for r in rows]
    return Response(json.dumps({"comments": comments}), mimetype="application/json")
