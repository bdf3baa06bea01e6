"""How the review queue scales: its first page, a filtered page and the toxicity sort,
timed in PostgreSQL with 10k and with 1M items, printed as a ratio (target <= 1.5x).

    python bench/queue_scale.py [--host 127.0.0.1] [--small 10000] [--large 1000000]

Creates its own database (and drops it), builds the schema with the real migrations,
bulk-loads items with INSERT ... SELECT generate_series, and times review.queue() itself.
When a ratio misses the target it prints the query plans (EXPLAIN ANALYZE).
"""
import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation import create_app, review  # noqa: E402
from moderation.extensions import db  # noqa: E402
from moderation.sites import ensure_default  # noqa: E402

TARGET = 1.5
RUNS = 30
SITES = ("default", "gazette", "herald", "courier")
FILTERED = review.Filters(status="pending", site="gazette", kind="comment",
                          min_score=0.2, max_score=0.8)
# Share of items per status, roughly a news desk's: most decided, a working queue pending.
LOAD = """
INSERT INTO item (site_id, kind, status, version, thread_id, title, body_raw, body_html,
                  body_hash, fields, author_name, author_email, ip, ip_prefix, user_agent,
                  referrer, honeypot, score, signals, created_at, decided_at, toxicity)
SELECT s.ids[1 + g %% 4],
       (ARRAY['comment','comment','comment','news','deal'])[1 + g %% 5],
       CASE WHEN g %% 100 < 6 THEN 'pending' WHEN g %% 100 < 9 THEN 'spam'
            WHEN g %% 100 < 80 THEN 'approved' ELSE 'rejected' END,
       2, NULL, '', 'Reader comment number ' || g || ' about the tram line',
       '<p>Reader comment number ' || g || '</p>', md5(g::text), '{}', 'Reader ' || (g %% 5000),
       'reader' || (g %% 5000) || '@example.org', '', '192.0.' || (g %% 250) || '.0/24', '', '',
       '', (g::bigint * 7919 %% 1000) / 1000.0, '[]',
       TIMESTAMP '2026-01-01' + make_interval(secs => g * 2.0), NULL,
       CASE WHEN g %% 50 = 0 THEN NULL ELSE (g::bigint * 104729 %% 1000) / 1000.0 END
FROM generate_series(%(first)s::int, %(last)s::int) AS g,
     (SELECT array_agg(id ORDER BY id) AS ids FROM site) AS s
"""


def pg_admin(host: str):
    for user in ("postgres", "root"):
        try:
            return psycopg.connect(host=host, user=user, dbname="postgres", autocommit=True), user
        except psycopg.OperationalError:
            continue
    sys.exit(f"PostgreSQL at {host}:5432 is not reachable")


def timed(app, filters: review.Filters, after: str | None = None) -> float:
    """Median milliseconds of one queue page, after a warm-up."""
    with app.app_context():
        review.queue(db.session, filters, after=after)
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            review.queue(db.session, filters, after=after)
            samples.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
        return statistics.median(samples)


def measure(app, label: str) -> dict[str, float]:
    with app.app_context():
        second = review.queue(db.session, review.Filters()).next_cursor
        total = db.session.execute(db.text("SELECT count(*) FROM item")).scalar()
    figures = {"first page": timed(app, review.Filters()),
               "second page": timed(app, review.Filters(), after=second),
               "filtered page": timed(app, FILTERED),
               "newest first": timed(app, review.Filters(status="approved")),
               "most toxic": timed(app, review.Filters(sort="toxicity")),
               "toxic, filtered": timed(app, review.Filters(sort="toxicity", min_toxicity=0.75,
                                                            site="gazette"))}
    print(f"{label}: {total:,} items")
    for name, ms in figures.items():
        print(f"  {name:<14} {ms:7.2f} ms")
    return figures


def explain(app, filters: review.Filters) -> None:
    with app.app_context():
        from sqlalchemy.dialects import postgresql

        from moderation.store import Item
        from moderation.store.workplace import item_priority
        query = review._filtered(db.session, db.select(Item, item_priority())
                                 .where(Item.status == filters.status), filters)
        query = query.order_by(item_priority(), Item.id).limit(review.PAGE_SIZE)
        sql = str(query.compile(dialect=postgresql.dialect(),
                                compile_kwargs={"literal_binds": True}))
        for row in db.session.execute(db.text("EXPLAIN ANALYZE " + sql)):
            print("   ", row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    admin, user = pg_admin(args.host)
    name = f"moderation_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{user}@{args.host}:5432/{name}"
    app = create_app({"TESTING": True}, env={"DATABASE_URL": url, "SECRET_KEY": "bench" * 4,
                                             "CELERY_BROKER_URL": "memory://"})
    try:
        from flask_migrate import upgrade

        from moderation.store import Site
        with app.app_context():
            upgrade()
            ensure_default(db.session)
            db.session.add_all(Site(key=k, name=k, allowed_origins=[], policy={}) for k in SITES[1:])
            db.session.commit()
        results = {}
        for label, first, last in (("small", 1, args.small), ("large", args.small + 1, args.large)):
            started = time.perf_counter()
            with psycopg.connect(host=args.host, user=user, dbname=name, autocommit=True) as conn:
                conn.execute(LOAD, {"first": first, "last": last})
                conn.execute("VACUUM ANALYZE item")
            print(f"loaded up to {last:,} items in {time.perf_counter() - started:.1f} s")
            results[label] = measure(app, label)
        print(f"\nratio large/small (target <= {TARGET}x):")
        missed = []
        for name_, small in results["small"].items():
            ratio = results["large"][name_] / small
            print(f"  {name_:<14} {ratio:5.2f}x {'ok' if ratio <= TARGET else 'MISSED'}")
            if ratio > TARGET:
                missed.append(name_)
        if missed:
            for filters in (review.Filters(), FILTERED):
                print(f"\nEXPLAIN ANALYZE, {filters}:")
                explain(app, filters)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
