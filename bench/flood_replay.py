"""A near-duplicate flood from one address, replayed into a database that already holds
100k items, beside the same number of ordinary posts: items per second and CPU per item
(the worker's and PostgreSQL's) for each, and for the flood's first and last hundred, so
that a cost growing with the flood or the database shows. bench/worst_case.py runs it;
alone:

    python bench/flood_replay.py [--host 127.0.0.1] [--items 100000] [--posts 1000]

Creates its own database (and drops it): the schema from the real migrations, the old
items bulk-loaded (texts drawn from 5,000 sentences, so the old items hold duplicate
clusters of their own, each with its real MinHash fingerprint), then the new posts
stored `received` and processed as a worker does (processing.claim, then process_many
and a commit per batch of workers.tasks.BATCH), in this process.
"""
import argparse
import os
import random
import secrets
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("tram bridge council budget river school library market station harbour winter "
         "summer parking cycle lane mayor vote schedule delay museum concert theatre garden "
         "festival bakery hospital clinic teacher pupil match stadium season weather storm "
         "road repair tunnel ferry island village county election report").split()
FLOOD = ("Best deals on cheap watches and bags at our online shop, order today and save "
         "{n} percent, free shipping worldwide on every order")


def sentences(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(WORDS, 12)).capitalize() + f", reader note {n}."
            for n in range(count)]


def load_old_items(url: str, count: int) -> None:
    """`count` decided items from 2,000 authors over 250 networks, and their fingerprints."""
    from moderation.spam import duplicates
    from moderation.spam.signals import body_hash
    texts = sentences(5000, seed=1)
    signatures = [duplicates.signature(t) for t in texts]
    statuses = ["approved"] * 8 + ["rejected", "spam"]
    with psycopg.connect(url, autocommit=True) as conn:
        site = conn.execute("SELECT id FROM site WHERE key = 'default'").fetchone()[0]
        with conn.cursor().copy(
                "COPY item (site_id, kind, status, version, title, body_raw, body_html, "
                "body_hash, fields, author_name, author_email, ip, ip_prefix, user_agent, "
                "referrer, honeypot, signals, created_at) FROM STDIN") as copy:
            for n in range(count):
                text = texts[n % len(texts)]
                copy.write_row((site, "comment", statuses[n % 10], 2, "", text, f"<p>{text}</p>",
                                body_hash(text), "{}", f"Reader {n % 2000}",
                                f"reader{n % 2000}@example.org", f"10.{n % 250}.0.1",
                                f"10.{n % 250}.0.0/24", "", "", "", "[]",
                                f"2026-11-{1 + n % 28:02d} 12:00:00"))
        ids = [r[0] for r in conn.execute("SELECT id FROM item ORDER BY id")]
        with conn.cursor().copy("COPY spam_fingerprint (item_id, signature, created_at) "
                                "FROM STDIN") as copy:
            for n, item_id in enumerate(ids):
                values = signatures[n % len(texts)]
                if values is not None:
                    copy.write_row((item_id, values.tobytes(), f"2026-11-{1 + n % 28:02d} 12:00:00"))
        keys = {i: duplicates.band_keys(v) for i, v in enumerate(signatures) if v is not None}
        with conn.cursor().copy("COPY spam_fingerprint_band (item_id, key) FROM STDIN") as copy:
            for n, item_id in enumerate(ids):
                for key in keys.get(n % len(texts), ()):
                    copy.write_row((item_id, key))
        conn.execute("VACUUM ANALYZE")


def store_received(app, texts: list[str], authors: list[tuple[str, str]]) -> list[int]:
    from moderation import intake
    from moderation.extensions import db
    with app.app_context():
        items = [intake.receive_comment(
            db.session, "default", f"flood-{n % 20}",
            {"author_name": "Reader", "author_email": email, "body": text},
            intake.Context(ip=ip, user_agent="bench")) for n, (text, (email, ip))
            in enumerate(zip(texts, authors))]
        db.session.commit()
        ids = [item.id for item in items]
        db.session.remove()
    return ids


def process(app, ids: list[int], chunk: int = 100) -> list[dict]:
    """Process the received items as a worker does; figures per `chunk` items."""
    from moderation import processing
    from moderation.extensions import db
    from workers.tasks import BATCH
    figures = []
    with app.app_context():
        processing.classifier_for(db.session)  # loaded before the clock starts
        backend = db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()
        db.session.commit()
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            wall, cpu, pg = time.perf_counter(), time.process_time(), pg_cpu(backend)
            for first in range(0, len(part), BATCH):
                processing.process_many(db.session, part[first:first + BATCH])
                db.session.commit()
            elapsed = time.perf_counter() - wall
            figures.append({"items_per_s": len(part) / elapsed,
                            "worker_cpu_ms": 1000 * (time.process_time() - cpu) / len(part),
                            "db_cpu_ms": 1000 * (pg_cpu(backend) - pg) / len(part)})
        db.session.remove()
    return figures


def pg_cpu(pid: int) -> float:
    """CPU seconds of a PostgreSQL backend on this machine (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def summary(name: str, figures: list[dict]) -> dict:
    def mean(key, rows):
        return sum(r[key] for r in rows) / len(rows)
    out = {"items_per_s": len(figures) / sum(1 / f["items_per_s"] for f in figures),
           "worker_cpu_ms": mean("worker_cpu_ms", figures), "db_cpu_ms": mean("db_cpu_ms", figures),
           "first_items_per_s": figures[0]["items_per_s"], "last_items_per_s": figures[-1]["items_per_s"]}
    print(f"  {name:<26}{out['items_per_s']:8.1f} items/s  worker {out['worker_cpu_ms']:5.2f} ms "
          f"+ PostgreSQL {out['db_cpu_ms']:5.2f} ms CPU per item;  first 100 "
          f"{out['first_items_per_s']:6.1f}/s, last 100 {out['last_items_per_s']:6.1f}/s")
    return out


def run(host: str = "127.0.0.1", items: int = 100_000, posts: int = 1000) -> dict:
    from flask_migrate import upgrade

    from moderation import create_app
    from moderation.extensions import db
    from moderation.sites import ensure_default
    admin, user = None, None
    for candidate in ("postgres", "root"):
        try:
            admin = psycopg.connect(host=host, user=candidate, dbname="postgres", autocommit=True)
            user = candidate
            break
        except psycopg.OperationalError:
            continue
    if admin is None:
        raise SystemExit(f"PostgreSQL at {host}:5432 is not reachable")
    name = f"moderation_flood_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://{user}@{host}:5432/{name}"
    try:
        app = create_app({"TESTING": True}, env={
            "DATABASE_URL": url, "SECRET_KEY": "flood-replay-bench-key",
            "CELERY_BROKER_URL": "memory://"})
        with app.app_context():
            upgrade()
            ensure_default(db.session)
            db.session.commit()
        started = time.perf_counter()
        load_old_items(url, items)
        print(f"flood replay: {items:,} items loaded in {time.perf_counter() - started:.0f} s; "
              f"{posts} new posts each")
        ordinary = store_received(app, sentences(posts, seed=2),
                                  [(f"new{n}@example.net", f"172.16.{n % 250}.{1 + n // 250}")
                                   for n in range(posts)])
        results = {"ordinary": summary("ordinary traffic", process(app, ordinary))}
        flood = store_received(app, [FLOOD.format(n=n) for n in range(posts)],
                               [("flooder@example.net", "203.0.113.66")] * posts)
        results["flood"] = summary("flood from one address", process(app, flood))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return results
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    run(args.host, args.items, args.posts)


if __name__ == "__main__":
    main()
